package org.nvr.footage;

import java.time.Duration;
import java.time.Instant;

/**
 * A span of a camera's timeline with no footage (or, in the uptime report, no recording), with the
 * best known reason: an outage reason ({@code unreachable}, {@code refused}, {@code timeout},
 * {@code auth}, {@code not_found}, {@code protocol}, {@code no_video}, {@code stalled}, {@code eof}, {@code disk_full},
 * ...), {@code shutdown} or {@code crash} when the recorder itself was not running, {@code deleted} when
 * the recorder was recording but the footage is no longer indexed (retention), {@code recording} for
 * footage still being written, or {@code unknown}.
 */
public record Gap(String camera, Instant start, Instant end, String reason, String detail) {
    public Duration length() {
        return Duration.between(start, end);
    }

    public Span span() {
        return new Span(start, end);
    }
}
