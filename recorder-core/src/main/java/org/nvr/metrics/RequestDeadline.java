package org.nvr.metrics;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose request does not arrive whole within a deadline of its first byte: a
 * client trickling a header a byte at a time (slowloris) is never idle, so the idle timeout alone
 * would let it hold its connection forever. The clock starts at the first byte read while no request
 * is pending and stops when the response is written; waiting between requests is the idle timeout's
 * business. One per connection, at the head of its pipeline.
 *
 * <p>Threads: the connection's event loop only; the deadline is scheduled on it.
 */
public final class RequestDeadline extends ChannelDuplexHandler {
    private final long deadlineMillis;
    private ScheduledFuture<?> pending;

    public RequestDeadline(long deadlineMillis) {
        this.deadlineMillis = deadlineMillis;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (pending == null) {
            pending = ctx.executor().schedule(() -> {
                ctx.close();
            }, deadlineMillis, TimeUnit.MILLISECONDS);
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        cancel();
        super.write(ctx, msg, promise);
    }

    /** A live socket takes the connection over by removing this handler: no deadline after that. */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.handlerRemoved(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    private void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
