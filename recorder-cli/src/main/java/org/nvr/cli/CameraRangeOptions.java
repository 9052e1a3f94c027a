package org.nvr.cli;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;
import picocli.CommandLine.Mixin;

/**
 * {@code --config FILE --camera ID --from T --to T}: what list, gaps, export, lock and unlock act on.
 * Declared once so that they take these options alike, and resolved once so that they check them in
 * the same order, reporting the first usage error (exit 2): the configuration, then the camera, then
 * the times.
 */
final class CameraRangeOptions {
    @Mixin
    ConfigOption config;

    @Mixin
    CameraOption camera;

    @Mixin
    RangeOptions range;

    /** Loads the configuration and checks the camera and the range against it. */
    CameraRange resolve() {
        NvrConfig cfg = config.load();
        CameraConfig cam = camera.resolve(config);
        ZoneId zone = ZoneId.systemDefault();
        Clock clock = Clock.systemUTC();
        Instant[] r = range.range(clock, zone);
        return new CameraRange(cfg, cam, r[0], r[1], zone, clock);
    }
}
