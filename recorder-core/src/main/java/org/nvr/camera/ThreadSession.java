package org.nvr.camera;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A blocking session ({@link CameraSupervisor.Blocking}, FFmpeg's reader) behind the asynchronous
 * {@link CameraSupervisor.Session}: {@link #start()} hands it to a thread of {@code threads}, the result
 * completes when {@code run()} returns. A stop is the supervisor's flag, which the blocking session
 * polls between reads, so {@link #stop()} has nothing to do.
 *
 * <p>Threads: started on the supervisor's loop; the result completes on the session's thread.
 */
final class ThreadSession implements CameraSupervisor.Session {
    private static final Logger LOG = LoggerFactory.getLogger(CameraSupervisor.class);

    private final CameraSupervisor.Blocking session;
    private final Executor threads;

    ThreadSession(CameraSupervisor.Blocking session, Executor threads) {
        this.session = session;
        this.threads = threads;
    }

    @Override
    public CompletionStage<SessionResult> start() {
        CompletableFuture<SessionResult> done = new CompletableFuture<>();
        try {
            threads.execute(() -> done.complete(runOnThread()));
        } catch (RuntimeException e) {
            // no thread could be started: a failed attempt, tried again later
            done.complete(new SessionResult(FailureReason.ERROR, "cannot start session thread: " + e, Duration.ZERO));
        }
        return done;
    }

    private SessionResult runOnThread() {
        try {
            return session.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SessionResult(FailureReason.SHUTDOWN, "interrupted", Duration.ZERO);
        } catch (RuntimeException | Error e) {
            LOG.error("{}: session failed unexpectedly", Thread.currentThread().getName(), e);
            return new SessionResult(FailureReason.ERROR, e.toString(), Duration.ZERO);
        }
    }

    @Override
    public void stop() {
        // the blocking session watches the supervisor's stop flag
    }
}
