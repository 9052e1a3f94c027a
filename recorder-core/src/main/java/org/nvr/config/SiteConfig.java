package org.nvr.config;

import java.util.List;

/** A place (a hamlet, a crossroads) with one or more cameras. */
public record SiteConfig(String id, String name, List<CameraConfig> cameras) {
    public SiteConfig {
        cameras = List.copyOf(cameras);
    }
}
