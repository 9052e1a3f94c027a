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
import io.netty.util.AttributeKey;
import org.nvr.config.KnownSecrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Routes one aggregated request of {@link MetricsServer} and writes the whole response. When Basic
 * auth is configured it guards {@code /metrics} only; {@code /healthz} answers anyone. The password
 * check is asked of {@link CredentialCheck}; while it runs on its own threads the connection reads
 * nothing more, and the answer is written back on the event loop: 200, 401, 429 (too many failures
 * from the address) or 503 (checks all busy), both with Retry-After and held back by the refusal
 * delay (the connection reads nothing meanwhile). A client sending a
 * second request before the first is answered (pipelining) while a check runs is disconnected.
 * Keeps no state of its own (a connection waiting for a check is marked on its channel) and is
 * shared by every connection; runs only on the server's event loop. Closes a connection that went
 * idle ({@link IdleStateEvent}) or failed.
 */
@ChannelHandler.Sharable
final class HttpEndpointHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpointHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json; charset=utf-8";

    /** Set on a connection while its request waits for a password check. */
    private static final AttributeKey<Boolean> CHECKING = AttributeKey.valueOf(HttpEndpointHandler.class, "checking");

    private final RecorderMetrics metrics;
    private final Supplier<Health> health;
    private final CredentialCheck credentials;
    private final long refusalDelayMillis;

    /**
     * @param credentials  null when {@code /metrics} is open
     * @param refusalDelay how long a 429 or 503 is held back
     */
    HttpEndpointHandler(RecorderMetrics metrics, Supplier<Health> health, CredentialCheck credentials,
                        Duration refusalDelay) {
        this.metrics = metrics;
        this.health = health;
        this.credentials = credentials;
        this.refusalDelayMillis = refusalDelay.toMillis();
    }

    /** What the response to a request depends on, kept once the request itself is released. */
    private record Reply(boolean head, boolean keepAlive, HttpVersion version) {
        static Reply to(FullHttpRequest request) {
            return new Reply(request.method().equals(HttpMethod.HEAD), HttpUtil.isKeepAlive(request),
                    request.protocolVersion());
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (Boolean.TRUE.equals(ctx.channel().attr(CHECKING).get())) {
            ctx.close();
            return;
        }
        Reply reply = Reply.to(request);
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, reply, text(HttpResponseStatus.BAD_REQUEST, "bad request\n"), true);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!path.equals("/metrics") && !path.equals("/healthz")) {
            respond(ctx, reply, text(HttpResponseStatus.NOT_FOUND, "not found\n"), false);
            return;
        }
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            respond(ctx, reply, response, false);
            return;
        }
        if (path.equals("/healthz")) {
            // /healthz stays open: it tells only ok/unhealthy and camera counts, and liveness probes
            // (systemd, a router's watchdog) should not need the scrape password.
            Health current = currentHealth();
            HttpResponseStatus status = current.ok() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE;
            respond(ctx, reply, response(status, JSON, HealthJson.write(current) + "\n"), false);
        } else if (credentials == null) {
            answerScrape(ctx, reply, CredentialCheck.Verdict.ACCEPTED);
        } else {
            InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
            CompletableFuture<CredentialCheck.Verdict> verdict =
                    credentials.check(client, request.headers().get(HttpHeaderNames.AUTHORIZATION));
            if (verdict.isDone()) {
                answerScrape(ctx, reply, verdict.join());
                return;
            }
            pause(ctx);
            verdict.whenComplete((v, e) -> ctx.executor().execute(() -> {
                resume(ctx);
                answerScrape(ctx, reply, v != null ? v : CredentialCheck.Verdict.REJECTED);
            }));
        }
    }

    /** The connection reads nothing until {@link #resume}; a request already decoded meanwhile closes it. */
    private static void pause(ChannelHandlerContext ctx) {
        ctx.channel().attr(CHECKING).set(true);
        ctx.channel().config().setAutoRead(false);
    }

    private static void resume(ChannelHandlerContext ctx) {
        ctx.channel().attr(CHECKING).set(null);
        ctx.channel().config().setAutoRead(true);
    }

    private void answerScrape(ChannelHandlerContext ctx, Reply reply, CredentialCheck.Verdict verdict) {
        FullHttpResponse response = switch (verdict.outcome()) {
            case ACCEPTED -> response(HttpResponseStatus.OK, metrics.contentType(), metrics.scrape());
            case REJECTED -> {
                FullHttpResponse refused = text(HttpResponseStatus.UNAUTHORIZED, "unauthorized\n");
                refused.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"nvr\", charset=\"UTF-8\"");
                yield refused;
            }
            case THROTTLED -> text(HttpResponseStatus.TOO_MANY_REQUESTS, "too many failed logins; try later\n");
            case BUSY -> text(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy checking passwords; try later\n");
        };
        if (verdict.outcome() == CredentialCheck.Outcome.THROTTLED || verdict.outcome() == CredentialCheck.Outcome.BUSY) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, verdict.retryAfterSeconds());
            if (refusalDelayMillis > 0) {
                // A guesser ignoring Retry-After would otherwise get thousands of cheap answers a second.
                pause(ctx);
                ctx.executor().schedule(() -> {
                    resume(ctx);
                    respond(ctx, reply, response, false);
                }, refusalDelayMillis, TimeUnit.MILLISECONDS);
                return;
            }
        }
        respond(ctx, reply, response, false);
    }

    private Health currentHealth() {
        try {
            Health current = health.get();
            return current != null ? current : Health.unhealthy("no health reported");
        } catch (RuntimeException e) {
            // No stack trace: its message may hold a URL, so only the redacted text is logged.
            String why = KnownSecrets.redact(e.toString());
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
    private static void respond(ChannelHandlerContext ctx, Reply reply, FullHttpResponse response, boolean close) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (reply.head()) {
            response.content().clear();
        }
        boolean keepAlive = !close && reply.keepAlive();
        HttpUtil.setKeepAlive(response.headers(), reply.version(), keepAlive);
        ChannelFutureListener after = keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE;
        ctx.writeAndFlush(response).addListener(after);
    }
}
