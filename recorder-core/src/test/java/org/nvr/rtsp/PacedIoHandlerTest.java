package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoRegistration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A paced loop reads at most once per pace: a round right after another waits out the rest of the period
 * (in virtual time: the waits are recorded, not slept), unless it was idle longer, a task is waiting, or a
 * scheduled task is due sooner.
 */
class PacedIoHandlerTest {
    private static final long MS = 1_000_000L;

    private long now = 1_000 * MS;
    private final List<Long> parks = new ArrayList<>();
    private final List<Thread> unparks = new ArrayList<>();
    private int rounds;
    private int wakeups;

    private final IoHandler epoll = new IoHandler() {
        @Override
        public int run(IoHandlerContext context) {
            rounds++;
            now += MS / 10; // a round of reads takes a little time
            return 1;
        }

        @Override
        public IoRegistration register(IoHandle handle) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void wakeup() {
            wakeups++;
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return true;
        }
    };

    private final PacedIoHandler.Waiter waiter = new PacedIoHandler.Waiter() {
        @Override
        public void park(long nanos) {
            parks.add(nanos);
            now += nanos;
        }

        @Override
        public void unpark(Thread thread) {
            unparks.add(thread);
        }
    };

    private final PacedIoHandler paced = new PacedIoHandler(epoll, Duration.ofMillis(10), () -> now, waiter);

    private static IoHandlerContext context(boolean canBlock, long delayNanos) {
        return new IoHandlerContext() {
            @Override
            public boolean canBlock() {
                return canBlock;
            }

            @Override
            public long delayNanos(long currentTimeNanos) {
                return delayNanos;
            }

            @Override
            public long deadlineNanos() {
                return -1;
            }
        };
    }

    private static IoHandlerContext idle() {
        return context(true, Long.MAX_VALUE);
    }

    @Test
    void aRoundRightAfterAnotherWaitsOutThePace() {
        paced.run(idle()); // the first round reads at once
        paced.run(idle());
        paced.run(idle());
        assertEquals(3, rounds);
        // each round takes 0.1 ms, so the next waits 9.9 ms: one round every 10 ms
        assertEquals(List.of(99 * MS / 10, 99 * MS / 10), parks);
        assertEquals(2, paced.waits());
    }

    @Test
    void aLoopIdleLongerThanThePaceReadsAtOnce() {
        paced.run(idle());
        now += 25 * MS; // epoll_wait blocked that long in the delegate: nothing came
        paced.run(idle());
        assertEquals(List.of(), parks);
        assertEquals(2, rounds);
    }

    @Test
    void aScheduledTaskDueSoonerShortensTheWait() {
        paced.run(idle());
        paced.run(context(true, 3 * MS)); // a keep-alive or stall timer in 3 ms
        assertEquals(List.of(3 * MS), parks);
    }

    @Test
    void pendingTasksAreNotKeptWaiting() {
        paced.run(idle());
        paced.run(context(false, 0)); // a task is queued: the loop must not block
        assertEquals(List.of(), parks);
        assertEquals(2, rounds);
    }

    @Test
    void aWakeupEndsTheWaitAndReachesEpoll() {
        paced.run(idle());
        paced.wakeup(); // a task submitted from another thread
        paced.run(idle());
        assertEquals(List.of(), parks, "woken: no wait");
        assertEquals(List.of(Thread.currentThread()), unparks, "the loop thread is unparked");
        assertEquals(1, wakeups, "and epoll_wait is woken too");
        paced.run(idle());
        assertEquals(1, parks.size(), "the wake-up counts once");
    }

    @Test
    void paceMustBePositive() {
        assertTrue(assertThrowsIllegal(Duration.ZERO).contains("pace must be positive"));
    }

    private String assertThrowsIllegal(Duration pace) {
        try {
            new PacedIoHandler(epoll, pace, () -> now, waiter);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted " + pace);
    }
}
