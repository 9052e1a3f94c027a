package org.nvr.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Caps the connections open at once, in all and per client address: one accepted beyond either cap
 * is closed at once, before any of its bytes are read, so idle or slow clients cannot pile up sockets
 * and buffers, and one client cannot take every slot from the scraper. First in every child pipeline
 * of {@link MetricsServer} and of the web server; shared by all of one server's connections.
 *
 * <p>A refusal is not silent: it is counted ({@code nvr_<server>_connections_refused_total{reason}}, reason
 * {@code total} or {@code per_address})
 * and warned about, at most once a minute with how many since the last warning and which key to raise
 * (a wall of tiles behind one address, or a script that never closes, looks the same from here: the
 * count tells the technician which it is).
 *
 * <p>Threads: the event loop (any thread would do: the counts are atomic).
 */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);

    /** Between two warnings about refused connections. */
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final String REFUSED_DESCRIPTION = "connections closed as soon as accepted: too many open in "
            + "all (reason total) or from the client's address (per_address)";

    private final String server;
    private final int max;
    private final int maxPerAddress;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final LongAdder refusedInAll = new LongAdder();
    private final LongAdder refusedPerAddress = new LongAdder();
    /** Refusals not yet in a warning. */
    private final AtomicLong unwarned = new AtomicLong();
    /** When ({@link System#nanoTime}) the next warning may be logged; the first refusal is warned about at once. */
    private final AtomicLong nextWarning = new AtomicLong(System.nanoTime());

    /**
     * @param server what the logs and the metric call this server's limits: the configuration section,
     *               {@code web} or {@code metrics} (the keys are {@code <server>.limits.max_connections...})
     */
    public ConnectionLimit(String server, int max, int maxPerAddress) {
        if (max < 1 || maxPerAddress < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
        this.server = server;
        this.max = max;
        this.maxPerAddress = maxPerAddress;
    }

    /**
     * Registers {@code nvr.<server>.connections.refused} (tag {@code reason}: total or per_address), in
     * place of those of a server of the same name started before this one.
     */
    public ConnectionLimit register(MeterRegistry registry) {
        String name = "nvr." + server + ".connections.refused";
        registry.find(name).meters().forEach(registry::remove);
        FunctionCounter.builder(name, refusedInAll, LongAdder::sum).description(REFUSED_DESCRIPTION)
                .tag("reason", "total").register(registry);
        FunctionCounter.builder(name, refusedPerAddress, LongAdder::sum).description(REFUSED_DESCRIPTION)
                .tag("reason", "per_address").register(registry);
        return this;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        int total = open.incrementAndGet();
        InetAddress client = address(ctx);
        int fromClient = perAddress.computeIfAbsent(client, a -> new AtomicInteger()).incrementAndGet();
        if (total > max || fromClient > maxPerAddress) {
            boolean inAll = total > max;
            (inAll ? refusedInAll : refusedPerAddress).increment();
            warn(client, inAll, total - 1, fromClient - 1);
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    /** Logs a refusal: a warning when a minute has passed since the last one, else at debug level. */
    private void warn(InetAddress client, boolean inAll, int total, int fromClient) {
        long refusedSinceWarning = unwarned.incrementAndGet();
        long now = System.nanoTime();
        long next = nextWarning.get();
        if (now - next < 0 || !nextWarning.compareAndSet(next, now + WARN_EVERY_NANOS)) {
            log.debug("{} connection from {} closed: {} open, {} from that address", server,
                    client.getHostAddress(), total, fromClient);
            return;
        }
        unwarned.addAndGet(-refusedSinceWarning);
        log.warn("{}: closed {} connection(s) as soon as accepted (since the last such warning), the last from {}: "
                        + "{} open from that address ({}.limits.max_connections_per_address: {}), {} in all "
                        + "({}.limits.max_connections: {}); raise {} if these are real viewers", server,
                refusedSinceWarning, client.getHostAddress(), fromClient, server, maxPerAddress, total, server, max,
                server + ".limits." + (inAll ? "max_connections" : "max_connections_per_address"));
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
