package org.nvr.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;

/**
 * One camera's footage over a range, as {@link CameraRangeOptions} resolved it from the command line:
 * the loaded configuration, the configured camera and the two ends, {@code from} before {@code to}.
 *
 * @param zone  the machine's zone, which the operator's times were read in and tables are printed in
 * @param clock the clock relative times ({@code -2h}, {@code now}) counted from; "now" for the command
 */
record CameraRange(NvrConfig config, CameraConfig camera, Instant from, Instant to, ZoneId zone, Clock clock) {
}
