package org.nvr.config;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The whole validated configuration: immutable, produced only by {@link ConfigLoader}.
 */
public record NvrConfig(StorageConfig storage, MetricsConfig metrics, List<SiteConfig> sites) {
    public NvrConfig {
        sites = List.copyOf(sites);
    }

    /** Every camera of every site, in configuration order. */
    public Stream<CameraConfig> cameras() {
        return sites.stream().flatMap(s -> s.cameras().stream());
    }

    public Optional<CameraConfig> camera(String id) {
        return cameras().filter(c -> c.id().equals(id)).findFirst();
    }

    public Optional<SiteConfig> site(String id) {
        return sites.stream().filter(s -> s.id().equals(id)).findFirst();
    }
}
