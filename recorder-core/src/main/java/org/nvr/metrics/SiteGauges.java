package org.nvr.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code nvr_site_cameras{site}} and {@code nvr_site_cameras_up{site}}: counts kept up to date by
 * {@link RecorderMetrics#camera} and {@link CameraMetrics#setUp}. Lock-free; any thread. Held
 * strongly by {@link RecorderMetrics} because the gauges read it through a weak reference.
 */
final class SiteGauges {
    private final AtomicInteger cameras = new AtomicInteger();
    private final AtomicInteger camerasUp = new AtomicInteger();

    private SiteGauges() {
    }

    static SiteGauges register(MeterRegistry registry, String site) {
        SiteGauges gauges = new SiteGauges();
        Gauge.builder("nvr.site.cameras", gauges, g -> g.cameras.get())
                .description("Cameras configured at the site")
                .tag("site", site).register(registry);
        Gauge.builder("nvr.site.cameras.up", gauges, g -> g.camerasUp.get())
                .description("Cameras of the site that are up")
                .tag("site", site).register(registry);
        return gauges;
    }

    void cameraAdded() {
        cameras.incrementAndGet();
    }

    void upChanged(int delta) {
        camerasUp.addAndGet(delta);
    }
}
