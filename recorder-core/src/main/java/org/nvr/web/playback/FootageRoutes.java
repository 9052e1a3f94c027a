package org.nvr.web.playback;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.nvr.config.NvrConfig;
import org.nvr.index.IndexWriter;

/**
 * The web's routes over recorded footage (playback, snapshot, export and its downloads), which the web
 * handler calls once it has checked the login and the role. See {@link PlaybackRoutes} and
 * {@link WebExports}.
 *
 * <p>Threads: any caller (the event loop); owns the {@code nvr-web-footage} threads that read the
 * index and the files, decode snapshots and write exports; {@link #close} stops them and is safe twice.
 */
public final class FootageRoutes implements AutoCloseable {
    private static final int THREADS = 2;
    private static final int QUEUE = 64;

    private final ThreadPoolExecutor executor;
    private final PlaybackRoutes playback;
    private final WebExports exports;

    public FootageRoutes(NvrConfig config, IndexWriter writer, Clock clock, ZoneId zone) {
        this(config, writer, clock, zone, null);
    }

    /**
     * As above; {@code registry} (null for none) gets {@code nvr.web.footage.sent}: bytes of playback
     * MP4s and export downloads sent to browsers.
     */
    public FootageRoutes(NvrConfig config, IndexWriter writer, Clock clock, ZoneId zone, MeterRegistry registry) {
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                new DefaultThreadFactory("nvr-web-footage", true), new ThreadPoolExecutor.AbortPolicy());
        BodySender sender = new BodySender(executor);
        if (registry != null) {
            FunctionCounter.builder("nvr.web.footage.sent", sender, BodySender::sentBytes).baseUnit("bytes")
                    .description("Recorded footage sent to browsers (playback MP4s, export downloads)")
                    .register(registry);
        }
        FootageAudit audit = new FootageAudit(writer, clock);
        Path dir = exportsDirectory(config.storage().root());
        this.playback = new PlaybackRoutes(config, audit, sender, clock, zone, dir);
        this.exports = new WebExports(config, writer, audit, sender, clock, zone, dir);
    }

    /**
     * Where web exports go: beside the storage root, never in it ({@code /var/lib/nvr} gives
     * {@code /var/lib/nvr-exports}, which the systemd unit creates as a second state directory).
     */
    public static Path exportsDirectory(Path storageRoot) {
        Path root = storageRoot.toAbsolutePath().normalize();
        return root.resolveSibling(root.getFileName() + "-exports");
    }

    public void playback(ChannelHandlerContext ctx, WebRequest req) {
        playback.playback(ctx, req);
    }

    public void holds(ChannelHandlerContext ctx, WebRequest req) {
        playback.holds(ctx, req);
    }

    public void snapshot(ChannelHandlerContext ctx, WebRequest req) {
        playback.snapshot(ctx, req);
    }

    public void export(ChannelHandlerContext ctx, WebRequest req) {
        exports.export(ctx, req);
    }

    public void download(ChannelHandlerContext ctx, WebRequest req) {
        exports.download(ctx, req);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
