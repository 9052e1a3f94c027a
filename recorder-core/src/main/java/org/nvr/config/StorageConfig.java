package org.nvr.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where footage and the index live, how long segments are and the global retention limits.
 *
 * @param root            absolute, normalised storage root; the index is {@code root/index.db}
 * @param segmentDuration target segment length; a segment is cut at the first keyframe after it
 * @param retention       global ring-buffer limits (each optional)
 */
public record StorageConfig(Path root, Duration segmentDuration, Retention retention) {
    public static final Duration DEFAULT_SEGMENT = Duration.ofSeconds(60);

    public Path indexPath() {
        return root.resolve("index.db");
    }
}
