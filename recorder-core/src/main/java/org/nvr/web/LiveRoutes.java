package org.nvr.web;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.Optional;
import org.nvr.config.WebConfig.Role;
import org.nvr.web.live.LiveFeed;
import org.nvr.web.live.LiveSocket;

/**
 * {@code GET /live/{camera}} (viewer): the camera's live view as a WebSocket ({@link LiveSocket}), same
 * origin only, kept open while the session holds.
 *
 * <p>Threads: the event loop. Shared by all connections.
 */
final class LiveRoutes extends Routes {
    /** How often a live socket looks whether its session still holds. */
    private static final Duration LIVE_SESSION_CHECK = Duration.ofSeconds(30);

    LiveRoutes(WebHandler.Parts parts) {
        super(parts);
    }

    /** {@code GET /live/{camera}}: the camera's live view as a WebSocket (see {@link LiveSocket}). */
    void live(ChannelHandlerContext ctx, Request req, Caller caller, String camera) {
        if (!allowed(ctx, req, caller, Role.VIEWER)) {
            return;
        }
        if (crossOrigin(req)) {
            // A WebSocket is not bound by the same-origin policy: another site's page must not watch.
            send(ctx, req, HttpResponseStatus.FORBIDDEN, json("cross-origin request refused"));
            return;
        }
        Optional<LiveFeed> feed = p.live().feed(camera);
        if (feed.isEmpty()) {
            send(ctx, req, HttpResponseStatus.NOT_FOUND, json("no such camera"));
            return;
        }
        // Watching is using the session: it stays alive while the wall is open (up to its absolute limit),
        // and the socket closes once it ends (logout, absolute expiry).
        String session = caller.session().id();
        Duration check = p.sessions().idle().dividedBy(2).compareTo(LIVE_SESSION_CHECK) < 0
                ? p.sessions().idle().dividedBy(2) : LIVE_SESSION_CHECK;
        LiveSocket.open(ctx, new io.netty.handler.codec.http.DefaultFullHttpRequest(HttpVersion.HTTP_1_1,
                req.method(), req.query().uri(), Unpooled.EMPTY_BUFFER, req.headers(),
                io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE), feed.get(), p.tls(),
                () -> p.sessions().touch(session).isPresent(), check);
    }
}
