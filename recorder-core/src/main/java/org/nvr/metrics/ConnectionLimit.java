package org.nvr.metrics;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the connections open at once, in all and per client address: one accepted beyond either cap
 * is closed at once, before any of its bytes are read, so idle or slow clients cannot pile up sockets
 * and buffers, and one client cannot take every slot from the scraper. First in every child pipeline
 * of {@link MetricsServer} and of the web server; shared by all of one server's connections.
 *
 * <p>Threads: the event loop (any thread would do: the counts are atomic).
 */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);

    private final int max;
    private final int maxPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();

    public ConnectionLimit(int max, int maxPerAddress) {
        if (max < 1 || maxPerAddress < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        int total = open.incrementAndGet();
        int fromClient = perAddress.computeIfAbsent(address(ctx), a -> new AtomicInteger()).incrementAndGet();
        if (total > max || fromClient > maxPerAddress) {
            log.debug("HTTP connection from {} closed: {} open, {} from that address", ctx.channel().remoteAddress(),
                    total - 1, fromClient - 1);
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
        InetAddress client = address(ctx);
        perAddress.computeIfPresent(client, (a, count) -> count.decrementAndGet() == 0 ? null : count);
        super.channelInactive(ctx);
    }

    private static InetAddress address(ChannelHandlerContext ctx) {
        return ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
    }
}
