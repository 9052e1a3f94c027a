package org.nvr.web;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.nvr.config.WebConfig;
import org.nvr.config.WebConfig.Role;
import org.nvr.footage.JsonText;

/**
 * What every route family of the web server ({@link WebHandler} dispatches to them) shares: the request
 * as kept once its buffer is released, the caller, and how an answer is sent (the security headers of
 * every answer, keep-alive, the held-back 429 and 503).
 *
 * <p>Threads: the connection's event loop; an answer computed elsewhere is sent from any thread (Netty
 * hands the write to the event loop). Holds nothing of its own beyond the server's {@link WebHandler.Parts}.
 */
abstract class Routes {
    final WebHandler.Parts p;

    Routes(WebHandler.Parts parts) {
        this.p = parts;
    }

    /** What is kept of a request once its buffer is released. */
    record Request(HttpMethod method, String path, QueryStringDecoder query, HttpHeaders headers, String body,
                           boolean keepAlive, InetAddress client) {
        boolean safe() {
            return method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
        }

        Optional<String> header(CharSequence name) {
            return Optional.ofNullable(headers.get(name));
        }
    }

    /** Who a request comes from; {@code session} is null under HTTP Basic. */
    record Caller(WebConfig.User user, Sessions.Session session) {
    }

    /** A body with its type, and the headers a few answers add. */
    static final class Reply {
        final String contentType;
        final String body;
        String location;
        final List<String> cookies = new ArrayList<>();
        long retryAfter = -1;

        Reply(String contentType, String body) {
            this.contentType = contentType;
            this.body = body;
        }
    }

    static Reply json(String error) {
        return new Reply("application/json", JsonText.write(Map.of("error", error)));
    }

    static Reply html(String page) {
        return new Reply("text/html; charset=utf-8", page);
    }

    static Reply redirect(String location) {
        Reply r = new Reply("text/plain; charset=utf-8", "");
        r.location = location;
        return r;
    }

    /** A 429 or 503, held back a moment so that a client ignoring Retry-After stays cheap. */
    static void refuse(ChannelHandlerContext ctx, Request req, HttpResponseStatus status, long retryAfterSeconds,
                       Reply reply, Duration delay) {
        reply.retryAfter = retryAfterSeconds;
        ctx.executor().schedule(() -> send(ctx, req, status, reply), delay.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** {@link #refuse(ChannelHandlerContext, Request, HttpResponseStatus, long, Reply, Duration)} after the server's delay. */
    void refuse(ChannelHandlerContext ctx, Request req, HttpResponseStatus status, long retryAfterSeconds,
                Reply reply) {
        refuse(ctx, req, status, retryAfterSeconds, reply, p.refusalDelay());
    }

    static void send(ChannelHandlerContext ctx, Request req, HttpResponseStatus status, Reply reply) {
        byte[] bytes = reply.body.getBytes(StandardCharsets.UTF_8);
        boolean head = req.method().equals(HttpMethod.HEAD);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, reply.contentType);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        // Not no-referrer: under it browsers send "Origin: null" with same-origin form posts, which the
        // cross-origin check must refuse (the login form would never work); same-origin leaks nothing.
        h.set("Referrer-Policy", "same-origin");
        // media-src blob: lets the live wall's Media Source play; nothing else loads from outside the server.
        h.set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                + "media-src 'self' blob:; frame-ancestors 'none'; form-action 'self'");
        if (reply.location != null) {
            h.set(HttpHeaderNames.LOCATION, reply.location);
        }
        for (String cookie : reply.cookies) {
            h.add(HttpHeaderNames.SET_COOKIE, cookie);
        }
        if (reply.retryAfter >= 0) {
            h.set(HttpHeaderNames.RETRY_AFTER, Long.toString(reply.retryAfter));
        }
        boolean keepAlive = req.keepAlive() && status.code() < 500;
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response).addListener(keepAlive ? (ChannelFutureListener) f -> {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        } : ChannelFutureListener.CLOSE);
    }

    static boolean allowed(ChannelHandlerContext ctx, Request req, Caller caller, Role needed) {
        if (caller.user().role().allows(needed)) {
            return true;
        }
        send(ctx, req, HttpResponseStatus.FORBIDDEN, json("a " + caller.user().role().text() + " may not do this; "
                + needed.text() + " or above may"));
        return false;
    }

    static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? "" : values.get(0);
    }

    /** Whether the browser says the request comes from a page of another origin than this server. */
    static boolean crossOrigin(Request req) {
        Optional<String> origin = req.header(HttpHeaderNames.ORIGIN);
        if (origin.isEmpty()) {
            return false;
        }
        String host = req.header(HttpHeaderNames.HOST).orElse("");
        try {
            URI o = URI.create(origin.get());
            String authority = o.getRawAuthority();
            return authority == null || !authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return true;
        }
    }
}
