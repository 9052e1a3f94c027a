package org.nvr.metrics;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The deadline a request must arrive by, in virtual time (EmbeddedChannel's clock). */
class RequestDeadlineTest {

    @Test
    void aRequestThatIsNotAnsweredInTimeIsClosed() {
        EmbeddedChannel channel = new EmbeddedChannel(new RequestDeadline(1000));
        channel.writeInbound("GET / HTTP/1.1");
        channel.advanceTimeBy(1001, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen(), "closed at the deadline");
    }

    @Test
    void anAnswerEndsTheDeadline() {
        EmbeddedChannel channel = new EmbeddedChannel(new RequestDeadline(1000));
        channel.writeInbound("GET / HTTP/1.1");
        channel.writeOutbound("HTTP/1.1 200 OK");
        channel.advanceTimeBy(5000, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen());
    }

    /**
     * A live socket removes the deadline when it takes over the connection, before its handshake answer is
     * written: the deadline must not close the socket later (every live view was cut 10 s after it opened).
     */
    @Test
    void removingTheHandlerEndsTheDeadline() {
        EmbeddedChannel channel = new EmbeddedChannel(new RequestDeadline(1000));
        channel.writeInbound("GET /live/cam HTTP/1.1");
        channel.pipeline().remove(RequestDeadline.class);
        channel.advanceTimeBy(5000, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(channel.isOpen(), "a connection whose deadline was removed stays open");
    }
}
