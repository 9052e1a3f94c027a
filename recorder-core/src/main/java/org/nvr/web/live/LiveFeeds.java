package org.nvr.web.live;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.nvr.config.CameraConfig;
import org.nvr.media.FrameSink;

/**
 * The live fan-out of one recorder: a {@link LiveFeed} per configured camera, fed by the camera's
 * recording session ({@link #sink}, the recorder's {@code live} seam) and watched through the web
 * server's {@code /live/{camera}} WebSocket. No camera is ever asked for a second stream: browsers get
 * what the recorder receives anyway.
 *
 * <p>Meters: {@code nvr.web.live.viewers} (viewers now), {@code nvr.web.live.queued} (bytes handed to
 * viewers' connections and not yet sent: the memory viewers cost, bounded by viewers times
 * {@link Limits#maxQueuedBytes}), {@code nvr.web.live.viewer.queued.max} (the most one viewer has
 * queued now: the memory per viewer, never above {@code nvr.web.live.viewer.queued.limit}, the bound),
 * {@code nvr.web.live.sent} (bytes) and {@code nvr.web.live.dropped} (fragments a slow viewer skipped).
 * The queued bytes are references to fragments built once per picture and shared by every viewer of
 * the camera, so what viewers really pin is at most the larger of the per-viewer figures per camera.
 *
 * <p>Thread-safe; created by the recorder (which feeds it) before its cameras start, handed to the web
 * server. {@link #close()} closes every viewer's connection.
 */
public final class LiveFeeds implements AutoCloseable {

    /**
     * What live viewing may cost.
     *
     * @param maxViewers     viewers at once over all cameras (a browser tile is one)
     * @param maxQueuedBytes bytes a viewer may have waiting to be sent before it skips to the next keyframe
     * @param maxKeptBytes   bytes of a camera's pictures since its last keyframe kept for newcomers
     */
    public record Limits(int maxViewers, long maxQueuedBytes, long maxKeptBytes) {
        /** 128 viewers (8 browsers with a 16-tile wall), 2 MiB each (4 s of a 4 Mbit/s camera), 4 MiB kept per camera. */
        public static final Limits DEFAULT = new Limits(128, 2L << 20, 4L << 20);

        public Limits {
            if (maxViewers <= 0 || maxQueuedBytes <= 0 || maxKeptBytes < 0) {
                throw new IllegalArgumentException("live limits must be positive");
            }
        }
    }

    /** Counts over every feed. */
    static final class Totals {
        private final AtomicInteger viewers = new AtomicInteger();
        private final AtomicLong queued = new AtomicLong();
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong dropped = new AtomicLong();

        boolean reserveViewer(int max) {
            while (true) {
                int n = viewers.get();
                if (n >= max) {
                    return false;
                }
                if (viewers.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void releaseViewer() {
            viewers.decrementAndGet();
        }

        void queued(long bytes) {
            queued.addAndGet(bytes);
        }

        void sent(long bytes) {
            sent.addAndGet(bytes);
        }

        void dropped() {
            dropped.incrementAndGet();
        }
    }

    private final Map<String, LiveFeed> feeds = new LinkedHashMap<>();
    private final Totals totals = new Totals();
    private final LiveOutbox.PerLoop outboxes = new LiveOutbox.PerLoop();
    private final MeterRegistry registry;

    /**
     * @param cameras  the configured cameras (ids)
     * @param registry where the meters go; null for none
     */
    public LiveFeeds(List<String> cameras, Limits limits, MeterRegistry registry) {
        for (String camera : cameras) {
            feeds.put(camera, new LiveFeed(camera, limits, totals, outboxes));
        }
        this.registry = registry;
        if (registry != null) {
            Gauge.builder("nvr.web.live.viewers", totals.viewers, AtomicInteger::get)
                    .description("Browsers (tiles) watching a camera live").register(registry);
            Gauge.builder("nvr.web.live.queued", totals.queued, AtomicLong::get).baseUnit("bytes")
                    .description("Live video handed to viewers' connections and not yet sent").register(registry);
            Gauge.builder("nvr.web.live.viewer.queued.max", this, LiveFeeds::largestViewerQueue).baseUnit("bytes")
                    .description("The most live video one viewer has waiting to be sent now (memory per viewer)")
                    .register(registry);
            Gauge.builder("nvr.web.live.viewer.queued.limit", limits, Limits::maxQueuedBytes).baseUnit("bytes")
                    .description("Live video one viewer may have waiting before it skips to the next keyframe")
                    .register(registry);
            FunctionCounter.builder("nvr.web.live.sent", totals.sent, AtomicLong::get).baseUnit("bytes")
                    .description("Live video sent to viewers").register(registry);
            FunctionCounter.builder("nvr.web.live.dropped", totals.dropped, AtomicLong::get)
                    .description("Live pictures a slow viewer skipped (it went on at the next keyframe)")
                    .register(registry);
        }
    }

    /** A recorder without a web server: nobody watches. */
    public static LiveFeeds none() {
        return new LiveFeeds(List.of(), Limits.DEFAULT, null);
    }

    /** The sink a camera's recording session feeds ({@link FrameSink#NONE} for a camera not configured). */
    public FrameSink sink(CameraConfig camera) {
        LiveFeed feed = feeds.get(camera.id());
        return feed != null ? feed : FrameSink.NONE;
    }

    public Optional<LiveFeed> feed(String camera) {
        return Optional.ofNullable(feeds.get(camera));
    }

    public int viewers() {
        return totals.viewers.get();
    }

    public long queuedBytes() {
        return totals.queued.get();
    }

    public long droppedFragments() {
        return totals.dropped.get();
    }

    public long sentBytes() {
        return totals.sent.get();
    }

    /** The most bytes any one viewer has handed to its connection and not yet sent, now. */
    public long largestViewerQueue() {
        long most = 0;
        for (LiveFeed feed : feeds.values()) {
            most = Math.max(most, feed.largestViewerQueue());
        }
        return most;
    }

    /**
     * The registry these meters went to (the recorder's), for the web server's other meters; empty for a
     * recorder without metrics.
     */
    public Optional<MeterRegistry> registry() {
        return Optional.ofNullable(registry);
    }

    @Override
    public void close() {
        feeds.values().forEach(f -> f.closeAll("recorder stopping"));
    }
}
