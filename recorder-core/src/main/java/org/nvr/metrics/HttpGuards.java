package org.nvr.metrics;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The handlers every HTTP server of the daemon (metrics, web) puts before its own, in this order: the
 * request deadline ({@link RequestDeadline}), the idle timeout, the HTTP codec with its header cap and
 * the aggregator with its request cap, all from {@link MetricsServer.Limits}. Stateless; called from a
 * channel initializer on the connection's event loop.
 */
public final class HttpGuards {
    /** Netty's default: a request line longer than this is not a request of ours. */
    private static final int MAX_INITIAL_LINE = 4096;
    /** Netty's default chunk size; the aggregator's cap bounds the whole body. */
    private static final int MAX_CHUNK = 8192;

    private HttpGuards() {
    }

    public static void add(ChannelPipeline pipeline, MetricsServer.Limits limits, Duration idleTimeout) {
        pipeline.addLast(new RequestDeadline(limits.requestDeadline().toMillis()))
                .addLast(new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS))
                .addLast(new HttpServerCodec(MAX_INITIAL_LINE, limits.maxHeaderBytes(), MAX_CHUNK))
                .addLast(new HttpObjectAggregator(limits.maxRequestBytes()));
    }
}
