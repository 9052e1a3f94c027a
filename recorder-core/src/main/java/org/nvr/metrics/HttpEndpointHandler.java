package org.nvr.metrics;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import org.nvr.config.UrlRedactor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Routes one aggregated request of {@link MetricsServer} and writes the whole response. When Basic
 * auth is configured it guards {@code /metrics} only; {@code /healthz} answers anyone. Stateless
 * and shared by every connection; runs only on the server's event loop. Closes a connection that
 * went idle ({@link IdleStateEvent}) or failed.
 */
@ChannelHandler.Sharable
final class HttpEndpointHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpointHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json; charset=utf-8";

    private final RecorderMetrics metrics;
    private final Supplier<Health> health;
    private final BasicAuth auth;

    HttpEndpointHandler(RecorderMetrics metrics, Supplier<Health> health, BasicAuth auth) {
        this.metrics = metrics;
        this.health = health;
        this.auth = auth;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, request, text(HttpResponseStatus.BAD_REQUEST, "bad request\n"), true);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!path.equals("/metrics") && !path.equals("/healthz")) {
            respond(ctx, request, text(HttpResponseStatus.NOT_FOUND, "not found\n"), false);
            return;
        }
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            respond(ctx, request, response, false);
            return;
        }
        // /healthz stays open: it tells only ok/unhealthy and camera counts, and liveness probes
        // (systemd, a router's watchdog) should not need the scrape password.
        if (path.equals("/metrics") && auth != null && !auth.accepts(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            FullHttpResponse response = text(HttpResponseStatus.UNAUTHORIZED, "unauthorized\n");
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"nvr\", charset=\"UTF-8\"");
            respond(ctx, request, response, false);
            return;
        }
        if (path.equals("/metrics")) {
            respond(ctx, request, response(HttpResponseStatus.OK, metrics.contentType(), metrics.scrape()), false);
        } else {
            Health current = currentHealth();
            HttpResponseStatus status = current.ok() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
            respond(ctx, request, response(status, JSON, HealthJson.write(current) + "\n"), false);
        }
    }

    private Health currentHealth() {
        try {
            Health current = health.get();
            return current != null ? current : Health.unhealthy("no health reported");
        } catch (RuntimeException e) {
            // No stack trace: its message may hold a URL, so only the redacted text is logged.
            String why = UrlRedactor.redact(e.toString());
            log.warn("Health check failed: {}", why);
            return Health.unhealthy("health check failed: " + why);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Mostly resets by the peer; nothing to answer.
        log.debug("HTTP connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return response(status, TEXT, body);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String contentType, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return response;
    }

    /** Writes {@code response}; a HEAD gets the headers only; the connection stays open if both sides want. */
    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response,
                                boolean close) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (request.method().equals(HttpMethod.HEAD)) {
            response.content().clear();
        }
        boolean keepAlive = !close && HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response.headers(), request.protocolVersion(), keepAlive);
        ChannelFutureListener after = keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE;
        ctx.writeAndFlush(response).addListener(after);
    }
}
