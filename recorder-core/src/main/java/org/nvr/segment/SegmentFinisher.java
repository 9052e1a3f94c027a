package org.nvr.segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a written segment durable and tamper-evident off the camera threads: fsyncs the file and its
 * directory and computes its SHA-256 in the same read. Camera threads hand over a closed file and go
 * back to reading packets; the index row is completed when the returned future is.
 *
 * <p>Thread-safe; owns one thread ({@code nvr-finish}). {@link #close()} waits for queued work.
 */
public final class SegmentFinisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentFinisher.class);

    /** What a finished file holds on disk. */
    public record Durable(long bytes, String sha256) {
    }

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "nvr-finish"));

    public CompletableFuture<Durable> finish(Path file) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return syncAndHash(file);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, thread);
    }

    /** Fsyncs {@code file} and its directory and returns its size and SHA-256. */
    public static Durable syncAndHash(Path file) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
        long bytes = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.force(true);
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            int n;
            while ((n = ch.read(buf)) >= 0) {
                buf.flip();
                sha.update(buf);
                buf.clear();
                bytes += n;
            }
        }
        SegmentPaths.fsyncDirectory(file.getParent());
        return new Durable(bytes, HexFormat.of().formatHex(sha.digest()));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(8));
    }

    /** Waits up to {@code timeout} for queued work; what is left is finished by the next start's reconciliation. */
    public void close(Duration timeout) {
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
