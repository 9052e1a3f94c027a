package org.nvr.metrics;

import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Decides whether a request to {@code /metrics} may have the scrape, without ever deriving a password
 * hash on the HTTP event loop. In order:
 * <ol>
 *   <li>no {@code Basic} header: rejected at once (nothing to derive);</li>
 *   <li>a header accepted within {@link MetricsServer.Limits#rememberAccepted()}: accepted at once
 *       ({@link AcceptedCredentials}; one SHA-256);</li>
 *   <li>an address with too many recent failures: throttled at once ({@link FailureThrottle});</li>
 *   <li>otherwise the full check runs on one of {@link MetricsServer.Limits#verifyThreads()} threads
 *       named {@code nvr-http-auth}, behind a queue of {@link MetricsServer.Limits#verifyQueue()};
 *       when both are full the request is answered busy at once, so a flood of guesses costs at most
 *       that many cores and never delays {@code /healthz}.</li>
 * </ol>
 *
 * <p>Threads: {@link #check} from any thread (the event loop); results complete on the verification
 * threads. Owns its executor; {@link #close()} stops it (a check in progress finishes) and is safe
 * twice.
 */
public final class CredentialCheck implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CredentialCheck.class);
    private static final int REMEMBERED_HEADERS = 8;
    private static final int THROTTLED_ADDRESSES = 4096;

    /** What to answer. */
    public enum Outcome { ACCEPTED, REJECTED, THROTTLED, BUSY }

    /** @param retryAfter for {@link Outcome#THROTTLED} and {@link Outcome#BUSY}: when to come back */
    public record Verdict(Outcome outcome, Duration retryAfter) {
        static final Verdict ACCEPTED = new Verdict(Outcome.ACCEPTED, Duration.ZERO);
        static final Verdict REJECTED = new Verdict(Outcome.REJECTED, Duration.ZERO);
        static final Verdict BUSY = new Verdict(Outcome.BUSY, Duration.ofSeconds(1));

        /** Retry-After in whole seconds, at least 1. */
        public long retryAfterSeconds() {
            return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        }
    }

    private final Predicate<String> verifier;
    private final AcceptedCredentials accepted;
    private final FailureThrottle<InetAddress> throttle;
    private final String endpoint;
    private final ThreadPoolExecutor executor;
    private final int failuresAllowed;
    private final long windowSeconds;

    /** @param verifier the full check of an {@code Authorization} value (slow: a password derivation) */
    CredentialCheck(Predicate<String> verifier, MetricsServer.Limits limits, Clock clock) {
        this(verifier, limits, clock, "/metrics");
    }

    /**
     * @param verifier the full check of an {@code Authorization} value (slow: a password derivation)
     * @param endpoint what the credentials are for, in log lines ({@code /metrics}, {@code web})
     */
    public CredentialCheck(Predicate<String> verifier, MetricsServer.Limits limits, Clock clock, String endpoint) {
        this.verifier = verifier;
        this.endpoint = endpoint;
        this.failuresAllowed = limits.failuresAllowed();
        this.windowSeconds = limits.failureWindow().toSeconds();
        this.accepted = new AcceptedCredentials(limits.rememberAccepted(), clock, REMEMBERED_HEADERS);
        this.throttle = new FailureThrottle<>(limits.failuresAllowed(), limits.failureWindow(), clock, THROTTLED_ADDRESSES);
        this.executor = new ThreadPoolExecutor(limits.verifyThreads(), limits.verifyThreads(), 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(limits.verifyQueue()), new DefaultThreadFactory("nvr-http-auth", true),
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** The verdict on {@code authorization} (may be null) from {@code client}; often already complete. */
    public CompletableFuture<Verdict> check(InetAddress client, String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return CompletableFuture.completedFuture(Verdict.REJECTED);
        }
        if (accepted.contains(authorization)) {
            return CompletableFuture.completedFuture(Verdict.ACCEPTED);
        }
        Optional<Duration> wait = throttle.retryAfter(client);
        if (wait.isPresent()) {
            return CompletableFuture.completedFuture(new Verdict(Outcome.THROTTLED, wait.get()));
        }
        try {
            return CompletableFuture.supplyAsync(() -> verify(client, authorization), executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(Verdict.BUSY);
        }
    }

    private Verdict verify(InetAddress client, String authorization) {
        boolean ok;
        try {
            ok = verifier.test(authorization);
        } catch (RuntimeException e) {
            log.warn("Checking {} credentials failed: {}", endpoint, e.toString());
            return Verdict.REJECTED;
        }
        if (ok) {
            accepted.add(authorization);
            throttle.succeeded(client);
            return Verdict.ACCEPTED;
        }
        if (throttle.failed(client)) {
            // Once per address and window, so a flood writes one line per guesser, not one per guess.
            log.warn("{}: {} wrong credentials from {}; it is refused without checking for {} s",
                    endpoint, failuresAllowed, client.getHostAddress(), windowSeconds);
        }
        return Verdict.REJECTED;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
