package org.nvr.config;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The whole validated configuration: immutable, produced only by {@link ConfigLoader}. {@code web} is
 * empty when the configuration has no {@code web:} section (no web server), {@code replication} when it
 * has no {@code replication:} (nothing copied off-site).
 */
public record NvrConfig(StorageConfig storage, MetricsConfig metrics, List<SiteConfig> sites, Optional<WebConfig> web,
                        Optional<ReplicationConfig> replication) {
    public NvrConfig {
        sites = List.copyOf(sites);
        java.util.Objects.requireNonNull(web, "web");
        java.util.Objects.requireNonNull(replication, "replication");
    }

    /** Without replication. */
    public NvrConfig(StorageConfig storage, MetricsConfig metrics, List<SiteConfig> sites, Optional<WebConfig> web) {
        this(storage, metrics, sites, web, Optional.empty());
    }

    /** Without a web server. */
    public NvrConfig(StorageConfig storage, MetricsConfig metrics, List<SiteConfig> sites) {
        this(storage, metrics, sites, Optional.empty());
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
