package org.nvr.web.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link LiveOutbox} on an embedded channel, in virtual time. */
class LiveOutboxTest {

    /** Counts the flushes that reach the socket. */
    static final class Flushes extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            count++;
            ctx.flush();
        }
    }

    private static EmbeddedChannel channel(Flushes flushes) {
        EmbeddedChannel ch = new EmbeddedChannel(flushes);
        ch.freezeTime();
        return ch;
    }

    @Test
    void whatCameraThreadsQueueWaitsForTheRoundThenGoesInOrderWithOneFlush() throws Exception {
        Flushes flushes = new Flushes();
        EmbeddedChannel ch = channel(flushes);
        LiveOutbox outbox = new LiveOutbox(ch.eventLoop());
        outbox.register();
        AtomicInteger written = new AtomicInteger();
        ByteBuf first = Unpooled.wrappedBuffer(new byte[] {1});
        ByteBuf second = Unpooled.wrappedBuffer(new byte[] {2});
        Thread lane = new Thread(() -> {
            outbox.offer(ch, new TextWebSocketFrame("video/mp4"), null, false);
            outbox.offer(ch, new BinaryWebSocketFrame(first), written::incrementAndGet, false);
            outbox.offer(ch, new BinaryWebSocketFrame(second), written::incrementAndGet, false);
        });
        lane.start();
        lane.join();

        ch.runPendingTasks();
        assertNull(ch.readOutbound(), "no task per message: the loop is not woken for each picture");
        ch.advanceTimeBy(LiveOutbox.ROUND.toNanos() - 1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertNull(ch.readOutbound(), "nothing before the round");

        ch.advanceTimeBy(1, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertEquals("video/mp4", ch.<TextWebSocketFrame>readOutbound().text());
        BinaryWebSocketFrame a = ch.readOutbound();
        BinaryWebSocketFrame b = ch.readOutbound();
        assertEquals(1, a.content().getByte(0), "in the order queued");
        assertEquals(2, b.content().getByte(0));
        assertNull(ch.readOutbound());
        assertEquals(1, flushes.count, "one flush for the round, not one per message");
        assertEquals(2, written.get(), "each picture's callback ran once written");
        a.release();
        b.release();

        ch.advanceTimeBy(LiveOutbox.ROUND.toNanos() * 5, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertEquals(1, flushes.count, "a round with nothing queued does not touch the socket");
        assertTrue(outbox.rounds() >= 2, "rounds go on while a socket is registered: " + outbox.rounds());
        ch.finishAndReleaseAll();
    }

    @Test
    void aMessageWithoutRegisteredSocketsGetsItsOwnRoundAndACloseClosesAfterIt() {
        Flushes flushes = new Flushes();
        EmbeddedChannel ch = channel(flushes);
        LiveOutbox outbox = new LiveOutbox(ch.eventLoop());
        outbox.offer(ch, new TextWebSocketFrame("video/mp4"), null, false);
        outbox.offer(ch, new CloseWebSocketFrame(WebSocketCloseStatus.TRY_AGAIN_LATER, "too many live viewers"), null,
                true);
        ch.runPendingTasks();
        assertInstanceOf(TextWebSocketFrame.class, ch.readOutbound());
        CloseWebSocketFrame close = ch.readOutbound();
        assertEquals(WebSocketCloseStatus.TRY_AGAIN_LATER.code(), close.statusCode());
        close.release();
        assertFalse(ch.isOpen(), "closed once the close frame was written");
    }

    @Test
    void theLastSocketLeavingFreesWhatWasQueuedAndStopsTheRounds() {
        Flushes flushes = new Flushes();
        EmbeddedChannel ch = channel(flushes);
        LiveOutbox outbox = new LiveOutbox(ch.eventLoop());
        outbox.register();
        ByteBuf picture = Unpooled.directBuffer(16).writeZero(16);
        AtomicInteger written = new AtomicInteger();
        outbox.offer(ch, new BinaryWebSocketFrame(picture), written::incrementAndGet, false);
        ch.close(); // the browser went away with a picture queued
        outbox.unregister();
        assertEquals(0, picture.refCnt(), "the queued picture is released, not leaked");
        assertEquals(1, written.get(), "its callback ran (the viewer's queued bytes go back down)");

        long rounds = outbox.rounds();
        ch.advanceTimeBy(LiveOutbox.ROUND.toNanos() * 10, TimeUnit.NANOSECONDS);
        ch.runScheduledPendingTasks();
        assertEquals(rounds, outbox.rounds(), "no rounds once no socket is open");
    }
}
