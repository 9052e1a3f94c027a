package org.nvr.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.nvr.mp4.Mp4Fragments;
import org.nvr.mp4.Mp4Probe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes segments durable and tamper-evident off the camera threads:
 * <ul>
 *   <li>a closed segment: fsyncs the file and its directory and computes its SHA-256 in the same read
 *       ({@link #finish}); camera threads hand over the file and go back to reading packets, and the
 *       index row is completed when the returned future is;</li>
 *   <li>a segment whose writing failed (a full disk): cuts off the torn tail, finds out what the file
 *       really holds, then the same ({@link #recover});</li>
 *   <li>an open segment: fdatasyncs it every {@link #SYNC_PERIOD} while it is written
 *       ({@link #syncWhileOpen}), so that a power cut, which loses what is only in the page cache,
 *       costs at most that period plus the fragment being written.</li>
 * </ul>
 *
 * <p>Thread-safe; owns two threads ({@code nvr-finish} for closing work, {@code nvr-sync} for the
 * periodic syncs, so that hashing a large segment never delays them) and the channels it syncs through.
 * {@link #close()} waits for queued closing work.
 */
public final class SegmentFinisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentFinisher.class);
    /** How often open segments are synced: the fragment length, so a power cut costs at most about 2 s. */
    public static final Duration SYNC_PERIOD = Duration.ofSeconds(1);

    /** What a finished file holds on disk. */
    public record Durable(long bytes, String sha256) {
    }

    /** What a recovered file holds: its durable bytes and what a demuxer reads from it. */
    public record Recovered(Durable durable, Mp4Probe.Contents contents, long tornBytes) {
    }

    /** Stops the periodic sync of one open segment; safe to call twice. */
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "nvr-finish"));
    private final ScheduledExecutorService syncThread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nvr-sync");
        t.setDaemon(true);
        return t;
    });
    /** Open segments and the channel each is synced through; touched only on {@code nvr-sync}. */
    private final Map<Path, OpenFile> open = new HashMap<>();

    public SegmentFinisher() {
        this(SYNC_PERIOD);
    }

    public SegmentFinisher(Duration syncPeriod) {
        syncThread.scheduleWithFixedDelay(this::syncOpen, syncPeriod.toMillis(), syncPeriod.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    public CompletableFuture<Durable> finish(Path file) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return syncAndHash(file);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, thread);
    }

    /** {@link #recoverNow} on the finisher thread. */
    public CompletableFuture<Optional<Recovered>> recover(Path file) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return recoverNow(file);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, thread);
    }

    /**
     * Makes a segment whose writing stopped abnormally (a crash, a full disk) durable with what it holds:
     * cuts off a torn last fragment, probes what is left, fsyncs and hashes it.
     *
     * @return empty when no video frame is left (the caller drops or quarantines the file)
     */
    public static Optional<Recovered> recoverNow(Path file) throws IOException {
        long torn = Mp4Fragments.truncateTornTail(file);
        Optional<Mp4Probe.Contents> contents = Mp4Probe.probe(file);
        if (contents.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Recovered(syncAndHash(file), contents.get(), torn));
    }

    /**
     * Syncs {@code file} every sync period until the registration is closed (before the file is
     * finished). The first sync also syncs its directory, so the new entry survives a power cut.
     */
    public Registration syncWhileOpen(Path file) {
        try {
            syncThread.execute(() -> open.putIfAbsent(file, new OpenFile()));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return () -> { };
        }
        return new Registration() {
            private boolean closed;

            @Override
            public synchronized void close() {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    syncThread.execute(() -> {
                        OpenFile f = open.remove(file);
                        if (f != null) {
                            f.close();
                        }
                    });
                } catch (java.util.concurrent.RejectedExecutionException ignored) {
                    // closing: the channels are closed by close()
                }
            }
        };
    }

    private void syncOpen() {
        for (Map.Entry<Path, OpenFile> e : open.entrySet()) {
            try {
                e.getValue().sync(e.getKey());
            } catch (IOException | RuntimeException ex) {
                // A periodic task that throws is cancelled: log (once per file) and keep going.
                if (!e.getValue().failed) {
                    LOG.warn("cannot sync open segment {}: {}", e.getKey(), ex.getMessage());
                    e.getValue().failed = true;
                }
            }
        }
    }

    /**
     * The SHA-256 of a file's content, read-only: what {@code verify}, export and snapshot compare with
     * the index, and what their manifests and audit entries record.
     */
    public static String sha256(Path file) throws IOException {
        MessageDigest sha = newSha256();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            hash(ch, sha);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * Feeds a file to {@code sha} and returns its length. A heap buffer: the JDK reads through its own
     * cached per-thread direct buffer, and the digest takes the array whole. (A direct buffer allocated
     * per call was 1 MB of native memory per closed segment, freed only when a GC ran its cleaner, and
     * the digest copied it out 4 KB at a time.)
     */
    private static long hash(FileChannel ch, MessageDigest sha) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
        long bytes = 0;
        int n;
        while ((n = ch.read(buf)) >= 0) {
            sha.update(buf.array(), 0, n);
            buf.clear();
            bytes += n;
        }
        return bytes;
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** Fsyncs {@code file} and its directory and returns its size and SHA-256. */
    public static Durable syncAndHash(Path file) throws IOException {
        MessageDigest sha = newSha256();
        long bytes;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.force(true);
            bytes = hash(ch, sha);
        }
        SegmentPaths.fsyncDirectory(file.getParent());
        return new Durable(bytes, HexFormat.of().formatHex(sha.digest()));
    }

    /** The channel one open segment is synced through; opened at the first sync. */
    private static final class OpenFile {
        FileChannel channel;
        boolean failed;

        void sync(Path file) throws IOException {
            if (channel == null) {
                if (!Files.exists(file)) {
                    return; // not created yet, or already dropped
                }
                channel = FileChannel.open(file, StandardOpenOption.READ);
                channel.force(false);
                SegmentPaths.fsyncDirectory(file.getParent());
                return;
            }
            // fdatasync through our own descriptor flushes the pages FFmpeg wrote through its own.
            channel.force(false);
        }

        void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // read-only channel: nothing to lose
                }
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(8));
    }

    /** Waits up to {@code timeout} for queued work; what is left is finished by the next start's reconciliation. */
    public void close(Duration timeout) {
        syncThread.shutdownNow();
        try {
            syncThread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        open.values().forEach(OpenFile::close);
        open.clear();
        thread.shutdown();
        try {
            if (!thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("segment finisher did not drain within {} ms", timeout.toMillis());
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
