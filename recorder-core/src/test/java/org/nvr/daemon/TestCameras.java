package org.nvr.daemon;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.MetricsConfig;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;
import org.nvr.config.SiteConfig;
import org.nvr.config.StorageConfig;
import org.nvr.config.Transport;

/** Builds configurations for tests without going through YAML. */
public final class TestCameras {
    private TestCameras() {
    }

    public static CameraConfig camera(String id, String site, String url) {
        return camera(id, site, url, AudioPolicy.TRANSCODE);
    }

    public static CameraConfig camera(String id, String site, String url, AudioPolicy audio) {
        return camera(id, site, url, audio, Retention.NONE);
    }

    /** A camera with its own retention limits. */
    public static CameraConfig camera(String id, String site, String url, Retention retention) {
        return camera(id, site, url, AudioPolicy.TRANSCODE, retention);
    }

    public static CameraConfig camera(String id, String site, String url, AudioPolicy audio, Retention retention) {
        return new CameraConfig(id, site, id, URI.create(url), Optional.empty(), Optional.empty(), Transport.TCP,
                audio, Duration.ofSeconds(5), retention, Optional.empty(), Optional.empty());
    }

    public static NvrConfig config(Path root, Duration segment, CameraConfig... cameras) {
        return config(root, segment, Retention.NONE, cameras);
    }

    /** All cameras in the first camera's site, under global retention limits. */
    public static NvrConfig config(Path root, Duration segment, Retention retention, CameraConfig... cameras) {
        return new NvrConfig(new StorageConfig(root, segment, retention), new MetricsConfig("127.0.0.1", 0),
                List.of(new SiteConfig(cameras[0].siteId(), cameras[0].siteId(), List.of(cameras))));
    }
}
