package org.nvr.rtsp;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * An I/O handler (Netty's epoll one inside) that polls its sockets at most once per {@code pace}: after a
 * round of reads it waits out the rest of the period before asking the kernel again, so that what
 * arrives meanwhile from every camera of the loop is read in one wake-up, many RTP packets per read.
 *
 * <p>Why: cameras send one TCP segment per RTP packet (a 4 Mbit/s stream is ~350 packets a second), and
 * a loop that wakes for each of them spends more CPU on waking (epoll_wait, a context switch, a read
 * syscall and a pass through the pipeline per packet) than on the bytes. Paced, a loop of 16 cameras
 * wakes ~{@code 1/pace} times a second whatever the packet rate. The cost is latency: a packet waits at
 * most {@code pace} (a few milliseconds, nothing to a recording or a live view), and the kernel holds
 * that much more per socket (a few KB at camera bitrates, far below its buffers).
 *
 * <p>Only the wait between rounds is added: a loop that was idle longer than {@code pace} reads at once,
 * a task submitted from another thread ({@link #wakeup}) ends the wait at once, and a scheduled task
 * (keep-alives, stall timers) due sooner shortens it. The wait is never longer than {@code pace}.
 *
 * <p>Owned by its event loop; {@link #run} on the loop's thread, {@link #wakeup} from any thread. Time and
 * the wait are injected ({@link Waiter}) so tests run without real time.
 */
public final class PacedIoHandler implements IoHandler {

    /** How the loop waits: {@code LockSupport.parkNanos} in production, ended early by {@link #unpark}. */
    public interface Waiter {
        void park(long nanos);

        void unpark(Thread thread);

        Waiter SYSTEM = new Waiter() {
            @Override
            public void park(long nanos) {
                LockSupport.parkNanos(nanos);
            }

            @Override
            public void unpark(Thread thread) {
                LockSupport.unpark(thread);
            }
        };
    }

    private final IoHandler delegate;
    private final long paceNanos;
    private final LongSupplier ticker;
    private final Waiter waiter;
    /** When the last round of I/O began (ticker); MIN_VALUE before the first. */
    private long lastRoundStart = Long.MIN_VALUE;
    private volatile Thread thread;
    /** Set by {@link #wakeup}: a task waits, the pause ends. */
    private volatile boolean woken;
    private long waits;

    PacedIoHandler(IoHandler delegate, Duration pace, LongSupplier ticker, Waiter waiter) {
        if (pace.isNegative() || pace.isZero()) {
            throw new IllegalArgumentException("pace must be positive: " + pace);
        }
        this.delegate = delegate;
        this.paceNanos = pace.toNanos();
        this.ticker = ticker;
        this.waiter = waiter;
    }

    /** Epoll handlers, each paced at {@code pace}. */
    public static IoHandlerFactory epollFactory(Duration pace) {
        IoHandlerFactory epoll = EpollIoHandler.newFactory();
        return executor -> new PacedIoHandler(epoll.newHandler(executor), pace, System::nanoTime, Waiter.SYSTEM);
    }

    @Override
    public void initialize() {
        delegate.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        thread = Thread.currentThread();
        if (context.canBlock() && lastRoundStart != Long.MIN_VALUE) {
            long now = ticker.getAsLong();
            long wait = Math.min(paceNanos - (now - lastRoundStart), context.delayNanos(now));
            if (wait > 0 && !woken) {
                waits++;
                waiter.park(wait); // may return early (wakeup, spuriously): then the round is just sooner
            }
        }
        woken = false;
        lastRoundStart = ticker.getAsLong();
        return delegate.run(context);
    }

    @Override
    public void wakeup() {
        woken = true;
        Thread t = thread;
        if (t != null) {
            waiter.unpark(t);
        }
        delegate.wakeup();
    }

    @Override
    public void prepareToDestroy() {
        delegate.prepareToDestroy();
    }

    @Override
    public void destroy() {
        delegate.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return delegate.register(handle);
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return delegate.isCompatible(handleType);
    }

    /** Rounds that began with a wait. Loop thread only. */
    long waits() {
        return waits;
    }
}
