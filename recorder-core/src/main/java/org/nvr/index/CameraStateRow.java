package org.nvr.index;

import java.time.Instant;

/** The daemon's last published state of a camera ({@code recording}, {@code connecting}, {@code down}...). */
public record CameraStateRow(String site, String camera, String state, Instant since, String reason, String detail,
                             Instant updated) {
}
