package org.nvr.web.live;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.PlatformDependent;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * What one event loop's live WebSockets are owed, written in rounds: the camera threads queue messages
 * (the codec text, init segments, one fMP4 fragment per picture, a close) without waking the loop, and
 * every {@link #ROUND} the loop writes all that is queued, in order, and flushes each socket once.
 *
 * <p>Why: handing each picture to each viewer's loop as its own task ({@code Channel.writeAndFlush} from
 * another thread) costs a wake-up of the loop, a task, a pass through the pipeline and a {@code writev} per
 * picture per viewer, several times what the kernel charges for the bytes. In rounds the loop wakes
 * {@code 1/ROUND} times a second however many cameras and viewers there are, and a socket owed several
 * pictures gets them in one {@code writev}. The cost is latency: a picture waits at most one round
 * (10 ms, nothing beside the 1.5 s a live view is allowed).
 *
 * <p>Rounds run while at least one socket is {@linkplain #register registered}; a message offered while
 * none is (a socket refused before it became a viewer, a close after the last left) gets a round of its
 * own, so nothing queued is ever left unsent or unreleased.
 *
 * <p>Threads: {@link #offer} from any thread; {@link #register}, {@link #unregister} on the loop.
 */
final class LiveOutbox {
    /** How often the loop writes what is queued while a live socket is open. */
    static final Duration ROUND = Duration.ofMillis(10);

    /** One outbox per event loop, for whoever owns the loops' sockets (the web server's live feeds). */
    static final class PerLoop {
        private final Map<EventLoop, LiveOutbox> outboxes = new ConcurrentHashMap<>();

        LiveOutbox of(EventLoop loop) {
            return outboxes.computeIfAbsent(loop, LiveOutbox::new);
        }
    }

    private record Message(Channel channel, Object message, Runnable written, boolean closeAfter) {
    }

    private final EventLoop loop;
    private final Queue<Message> queue = PlatformDependent.newMpscQueue();
    /** Sockets written in the current round: each is flushed once at its end. Loop thread only. */
    private final Set<Channel> written = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Runnable round = this::round;
    /** Registered sockets. Loop thread only. */
    private int sockets;
    /** The repeating round while sockets are registered. Loop thread only. */
    private ScheduledFuture<?> rounds;
    /** Whether rounds are running (read by offering threads). */
    private volatile boolean running;
    private long roundCount;

    LiveOutbox(EventLoop loop) {
        this.loop = loop;
    }

    /**
     * Queues {@code message} (a WebSocket frame; released by the channel once written or failed) for
     * {@code channel}; {@code written} (may be null) runs on the loop once the write completed or failed;
     * {@code closeAfter}: the channel closes once it is written.
     */
    void offer(Channel channel, Object message, Runnable written, boolean closeAfter) {
        queue.offer(new Message(channel, message, written, closeAfter));
        if (!running) {
            try {
                loop.execute(round); // no rounds (no socket registered): this message's own round
            } catch (RejectedExecutionException e) {
                discard(); // the server is stopping: nothing will be written
            }
        }
    }

    /** Releases what is queued without writing it. */
    private void discard() {
        Message m;
        while ((m = queue.poll()) != null) {
            ReferenceCountUtil.release(m.message);
            if (m.written != null) {
                m.written.run();
            }
        }
    }

    /** A live socket of this loop opened: rounds run while any is open. */
    void register() {
        assert loop.inEventLoop();
        if (sockets++ == 0) {
            running = true;
            long nanos = ROUND.toNanos();
            rounds = loop.scheduleAtFixedRate(round, nanos, nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A live socket of this loop closed (once per {@link #register}). */
    void unregister() {
        assert loop.inEventLoop();
        if (--sockets == 0) {
            running = false;
            rounds.cancel(false);
            rounds = null;
            round(); // what was queued before the rounds stopped; later offers bring their own round
        }
    }

    /** Rounds run so far (tests). Loop thread only. */
    long rounds() {
        return roundCount;
    }

    private void round() {
        roundCount++;
        Message m;
        while ((m = queue.poll()) != null) {
            ChannelFuture f = m.channel.write(m.message);
            Runnable done = m.written;
            if (done != null) {
                f.addListener(x -> done.run());
            }
            if (m.closeAfter) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            written.add(m.channel);
        }
        if (!written.isEmpty()) {
            for (Channel ch : written) {
                ch.flush();
            }
            written.clear();
        }
    }
}
