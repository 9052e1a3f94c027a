package org.nvr.replication;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.nvr.config.KnownSecrets;
import org.nvr.config.ReplicationConfig;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.S3Exception;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the {@link ReplicationQueue} to the bucket, one object at a time, on one thread
 * ({@code nvr-replication}):
 * <ol>
 *   <li>the file is read once: size, SHA-256 (a segment's must still equal the index's, or nothing is
 *       sent: {@code local_mismatch}), MD5s; a file that is gone makes the item {@code dropped};</li>
 *   <li>an object already stored under the key with the same size, {@code sha256} metadata and content
 *       (a crash after the upload, before the queue was updated) is taken as the copy, not sent again;</li>
 *   <li>up to {@link #DEFAULT_PART_SIZE} in one PUT with {@code Content-MD5} and {@code x-amz-checksum-sha256}
 *       (the server checks them); larger as a multipart upload whose upload id and confirmed parts are
 *       kept in the queue, so after a crash or a lost link only the missing parts are sent;</li>
 *   <li>then a HEAD must show the size, the {@code sha256} metadata and the content's ETag (or SHA-256
 *       checksum) computed from the local file; only then is the item done, and a released hold's
 *       footage free for retention.</li>
 * </ol>
 * A failure keeps the item pending with its reason and the next try after a capped exponential backoff
 * with jitter. Held items get an Object Lock retention date (the copy's time plus the configured days)
 * when the bucket has Object Lock on (asked once; when it has not, that is logged once); an object
 * already in the bucket when its item is held (copied unheld before a hold covered it) gets its
 * retention set in place, without being sent again.
 *
 * <p>Time (clock, and the sleeper of the bandwidth cap) and randomness are injected. {@link #runOnce()}
 * is the unit of work, called by the thread this class owns after {@link #start()} or directly by
 * tests. {@link #close()} stops the thread (bounded) and closes the S3 client; safe twice.
 */
public final class Replicator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
    /** Objects up to this size go in one PUT; larger in parts of this size (S3's minimum part is 5 MiB). */
    public static final long DEFAULT_PART_SIZE = 8L * 1024 * 1024;
    /** How often an idle replicator looks at the queue (holds placed by the CLI are not signalled). */
    static final Duration IDLE_POLL = Duration.ofSeconds(5);

    private final ReplicationConfig config;
    private final Path root;
    private final ReplicationQueue queue;
    private final ObjectKeys keys;
    private final S3Store store;
    private final Clock clock;
    private final Backoff backoff;
    private final ReplicationMetrics metrics;
    private final long partSize;
    private Optional<Boolean> bucketLocks = Optional.empty(); // replication thread
    /** No item is tried before this: set when even a failure could not be written to the queue. */
    private Instant pausedUntil = Instant.MIN;
    private ScheduledExecutorService thread;
    /** Test hook: called after each part the server confirmed (1-based part number). */
    volatile java.util.function.IntConsumer afterPart = n -> { };

    /** The daemon's: real time, the cap sleeping for real. */
    public Replicator(ReplicationConfig config, Path root, IndexWriter index, io.micrometer.core.instrument.MeterRegistry registry) {
        this(config, root, index, Clock.systemUTC(), TokenBucket.Sleeper.SYSTEM, RandomGenerator.getDefault(),
                registry, DEFAULT_PART_SIZE);
    }

    Replicator(ReplicationConfig config, Path root, IndexWriter index, Clock clock, TokenBucket.Sleeper sleeper,
               RandomGenerator random, io.micrometer.core.instrument.MeterRegistry registry, long partSize) {
        this.config = config;
        this.root = root;
        this.queue = new ReplicationQueue(index);
        this.keys = new ObjectKeys(config.prefix());
        this.clock = clock;
        this.backoff = new Backoff(Backoff.FIRST, Backoff.CAP, random);
        this.partSize = partSize;
        TokenBucket cap = config.maxRate().isPresent()
                ? new TokenBucket(config.maxRate().getAsLong(), clock, sleeper) : null;
        this.store = new S3Store(config, cap);
        this.metrics = new ReplicationMetrics(registry, store.sent::get);
    }

    /** Turns queueing on with this configuration's cameras and queues what active holds cover. */
    public void configureQueue() throws IndexException, InterruptedException {
        int added = queue.configure(true, config.cameras());
        if (added > 0) {
            LOG.info("replication: queued {} held segment(s) not yet in the queue", added);
        }
        metrics.status(queue.status());
    }

    /** Starts the replication thread. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "nvr-replication");
            th.setDaemon(true);
            return th;
        });
        t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        thread = t;
        t.execute(this::loop);
    }

    private void loop() {
        Duration next;
        try {
            next = runOnce() ? Duration.ZERO : untilNextDue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException | IndexException e) {
            // a scheduled task that throws is cancelled silently: log and go on
            LOG.error("replication: {}", KnownSecrets.redact(String.valueOf(e.getMessage())), e);
            next = IDLE_POLL;
        }
        ScheduledExecutorService t = thread;
        if (t != null && !t.isShutdown()) {
            try {
                t.schedule(this::loop, next.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    private Duration untilNextDue() throws IndexException, InterruptedException {
        if (clock.instant().isBefore(pausedUntil)) {
            Duration wait = Duration.between(clock.instant(), pausedUntil);
            return wait.compareTo(IDLE_POLL) > 0 ? IDLE_POLL : wait;
        }
        Optional<Instant> due = queue.nextDue();
        if (due.isEmpty()) {
            return IDLE_POLL;
        }
        Duration wait = Duration.between(clock.instant(), due.get());
        return wait.isNegative() ? Duration.ZERO : wait.compareTo(IDLE_POLL) > 0 ? IDLE_POLL : wait;
    }

    /**
     * Tries the next due item once. Returns whether there was one.
     *
     * @throws IndexException when the queue cannot be read
     */
    public boolean runOnce() throws InterruptedException, IndexException {
        if (clock.instant().isBefore(pausedUntil)) {
            return false;
        }
        Optional<QueueItem> next = queue.next(clock.instant());
        if (next.isEmpty()) {
            metrics.status(queue.status());
            return false;
        }
        QueueItem item = next.get();
        try {
            copy(item);
        } catch (ReplicationFailure f) {
            Duration wait = backoff.after(item.attempts() + 1);
            metrics.failure(f.reason());
            LOG.warn("replication: {} {}: {} ({}); next try in {} s", item.kind(), item.path(), f.getMessage(),
                    f.reason(), wait.toSeconds());
            try {
                queue.failed(item.id(), f.reason(), f.getMessage(), clock.instant().plus(wait));
            } catch (IndexException e) {
                // The index cannot be written (a full disk): back off in memory, or this item would be
                // tried again at once, forever.
                pausedUntil = clock.instant().plus(wait);
                metrics.failure("index");
                LOG.warn("replication: cannot record the failure in the queue: {}", e.getMessage());
            }
        }
        try {
            metrics.status(queue.status());
        } catch (IndexException e) {
            LOG.debug("replication: status not read: {}", e.getMessage());
        }
        return true;
    }

    private void copy(QueueItem item) throws ReplicationFailure, InterruptedException {
        Path file = item.segment() ? root.resolve(item.path()) : Path.of(item.path());
        if (!Files.isRegularFile(file)) {
            index(() -> queue.dropped(item.id(), "missing", "the file " + file + " is gone; nothing left to copy"));
            LOG.warn("replication: {} {} is gone before it was copied", item.kind(), file);
            return;
        }
        LocalFileDigest d;
        try {
            d = LocalFileDigest.of(file, partSize);
        } catch (IOException e) {
            throw new ReplicationFailure("local_io", "cannot read " + file + ": " + e.getMessage(), e);
        }
        if (item.sha256() != null && !item.sha256().equalsIgnoreCase(d.sha256())) {
            throw new ReplicationFailure("local_mismatch", file + " no longer has the SHA-256 recorded when it was made ("
                    + item.sha256() + "); it is " + d.sha256() + "; not copied", null);
        }
        String sha = d.sha256();
        String key = keys.of(item);
        index(() -> queue.bytes(item.id(), d.size()));
        try {
            Optional<S3Store.Head> stored = store.head(key);
            if (stored.isPresent() && problem(stored.get(), d).isEmpty()) {
                LOG.info("replication: {} already in the bucket, verified; not sent again", key);
                // copied unheld before a hold covered it: lock it now (a locked object, e.g. from a run cut
                // after its PUT, is left as it is: a retention can be lengthened, never shortened)
                Optional<S3Store.Lock> lock = item.held() && stored.get().retainUntil().isEmpty() ? lock() : Optional.empty();
                if (lock.isPresent()) {
                    store.retain(key, lock.get());
                    LOG.info("replication: {} locked ({}) until {}", key, lock.get().mode(), lock.get().until());
                }
            } else {
                Optional<S3Store.Lock> lock = item.held() ? lock() : Optional.empty();
                if (d.multipart()) {
                    multipart(item, key, file, d, lock);
                } else {
                    store.put(key, file, d, sha, lock);
                }
                S3Store.Head head = store.head(key).orElseThrow(() -> new ReplicationFailure("verify",
                        "the bucket has no " + key + " right after it was written", null));
                Optional<String> problem = problem(head, d);
                if (problem.isPresent()) {
                    throw new ReplicationFailure("verify", key + ": " + problem.get(), null);
                }
            }
        } catch (RuntimeException e) {
            if (e instanceof java.io.UncheckedIOException u && u.getCause() instanceof ReplicationFailure.LocalReadException l) {
                throw new ReplicationFailure("local_io", "cannot read " + file + ": " + l.getMessage(), l);
            }
            throw ReplicationFailure.of(key, e);
        }
        index(() -> queue.done(item.id(), key, d.size(), clock.instant()));
        LOG.info("replication: {} copied and verified ({} bytes, sha256 {})", key, d.size(), sha);
    }

    private void multipart(QueueItem item, String key, Path file, LocalFileDigest d, Optional<S3Store.Lock> lock)
            throws ReplicationFailure, InterruptedException {
        String uploadId = item.uploadId();
        List<ReplicationQueue.Part> done = new ArrayList<>();
        if (uploadId != null) {
            done.addAll(index(() -> queue.parts(item.id())));
        } else {
            uploadId = store.createMultipart(key, d.sha256(), lock);
            String id = uploadId;
            index(() -> queue.uploadStarted(item.id(), id));
        }
        Map<Integer, ReplicationQueue.Part> byNumber = done.stream()
                .collect(Collectors.toMap(ReplicationQueue.Part::number, Function.identity()));
        List<ReplicationQueue.Part> all = new ArrayList<>();
        boolean completing = false;
        try {
            for (int n = 1; n <= d.partMd5s().size(); n++) {
                String md5 = d.partMd5s().get(n - 1);
                long bytes = d.partBytes(n);
                ReplicationQueue.Part have = byNumber.get(n);
                if (have != null && have.md5().equals(md5) && have.bytes() == bytes) {
                    all.add(have);
                    continue;
                }
                String etag = store.uploadPart(key, uploadId, n, file, (n - 1) * partSize, bytes, md5);
                if (!etag.equalsIgnoreCase(md5)) {
                    throw new ReplicationFailure("verify", key + " part " + n + ": the server's ETag " + etag
                            + " is not the part's MD5 " + md5, null);
                }
                ReplicationQueue.Part part = new ReplicationQueue.Part(n, bytes, etag, md5);
                index(() -> queue.partDone(item.id(), part));
                all.add(part);
                afterPart.accept(n);
            }
            completing = true;
            store.completeMultipart(key, uploadId, all);
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String reason = ReplicationFailure.reason(code, e.statusCode());
            if ("NoSuchUpload".equals(code) || completing && reason.equals("rejected")) {
                // The server forgot the upload (expired, aborted) or refuses to complete it (a part it lost in
                // a crash of its own): no retry of this upload can succeed, so start again from the first part.
                LOG.warn("replication: {}: the server refuses upload {} ({}); starting it again", key, uploadId,
                        code == null ? "HTTP " + e.statusCode() : code);
                store.abortQuietly(key, uploadId);
                index(() -> queue.uploadForgotten(item.id()));
            }
            throw e;
        }
    }

    /** Why the stored object is not this file; empty when it is. */
    private static Optional<String> problem(S3Store.Head head, LocalFileDigest d) {
        if (head.size() != d.size()) {
            return Optional.of("stored size " + head.size() + " is not the file's " + d.size());
        }
        if (head.sha256Metadata().isEmpty() || !head.sha256Metadata().get().equalsIgnoreCase(d.sha256())) {
            return Optional.of("stored sha256 metadata " + head.sha256Metadata().orElse("(none)")
                    + " is not the file's " + d.sha256());
        }
        boolean checksum = head.checksumSha256().filter(c -> c.equals(S3Store.base64(d.sha256()))).isPresent();
        boolean etag = head.etag().equalsIgnoreCase(d.expectedEtag());
        if (!checksum && !etag) {
            return Optional.of("stored content's ETag " + head.etag() + " is not the file's " + d.expectedEtag()
                    + (head.checksumSha256().isPresent() ? " and its SHA-256 checksum differs" : ""));
        }
        return Optional.empty();
    }

    private Optional<S3Store.Lock> lock() {
        if (config.objectLock().isEmpty()) {
            return Optional.empty();
        }
        if (bucketLocks.isEmpty()) {
            boolean enabled = store.objectLockEnabled();
            bucketLocks = Optional.of(enabled);
            if (!enabled) {
                LOG.warn("replication: bucket {} has no Object Lock; held objects are copied without a retention "
                        + "date (create the bucket with Object Lock to have them locked)", config.bucket());
            }
        }
        if (!bucketLocks.get()) {
            return Optional.empty();
        }
        ReplicationConfig.ObjectLock l = config.objectLock().get();
        ObjectLockMode mode = l.mode() == ReplicationConfig.LockMode.COMPLIANCE
                ? ObjectLockMode.COMPLIANCE : ObjectLockMode.GOVERNANCE;
        return Optional.of(new S3Store.Lock(mode, clock.instant().plus(Duration.ofDays(l.days()))));
    }

    /** Whether the bucket's Object Lock was found on; empty until first asked (tests, status). */
    Optional<Boolean> bucketLocks() {
        return bucketLocks;
    }

    S3Store store() {
        return store;
    }

    ReplicationQueue queue() {
        return queue;
    }

    private interface IndexCall<T> {
        T call() throws IndexException, InterruptedException;
    }

    private interface IndexRun {
        void run() throws IndexException, InterruptedException;
    }

    private static void index(IndexRun r) throws ReplicationFailure, InterruptedException {
        try {
            r.run();
        } catch (IndexException e) {
            throw new ReplicationFailure("index", "cannot update the queue: " + e.getMessage(), e);
        }
    }

    private static <T> T index(IndexCall<T> r) throws ReplicationFailure, InterruptedException {
        try {
            return r.call();
        } catch (IndexException e) {
            throw new ReplicationFailure("index", "cannot read the queue: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /**
     * Stops the thread (interrupting a wait of the cap; an upload in flight is cut when the client closes)
     * waiting at most {@code timeout}, then closes the client. What was not finished stays in the queue.
     */
    public synchronized void close(Duration timeout) {
        ScheduledExecutorService t = thread;
        thread = null;
        if (t != null) {
            t.shutdownNow();
            try {
                if (!t.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("replication thread did not stop within {} ms; its upload resumes at the next start",
                            timeout.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        store.close();
    }
}
