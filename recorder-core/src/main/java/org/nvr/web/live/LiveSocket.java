package org.nvr.web.live;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.nvr.metrics.RequestDeadline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One browser's {@code /live/{camera}} WebSocket, once the web handler has checked who asks: the
 * handshake, then the connection as a {@link LiveFeed} viewer. The browser sends nothing but pongs and
 * a close; an idle connection (the camera is down, nothing to send) is kept open with pings.
 *
 * <p>Threads: the connection's event loop; the feed queues messages from the camera's thread in the
 * loop's {@link LiveOutbox}, which writes them in rounds. One per connection; leaves the feed when the
 * connection closes.
 */
public final class LiveSocket extends ChannelInboundHandlerAdapter implements LiveFeed.Output {
    private static final Logger log = LoggerFactory.getLogger(LiveSocket.class);
    /** Browsers send only control frames. */
    private static final int MAX_INCOMING_FRAME = 4096;

    private final Channel channel;
    private final LiveFeed feed;
    private final WebSocketServerHandshaker handshaker;
    private final LiveOutbox outbox;
    private LiveFeed.Viewer viewer;
    /** Registered with the outbox (between joining the feed and leaving it). Loop thread only. */
    private boolean registered;
    private ScheduledFuture<?> sessionCheck;

    private LiveSocket(Channel channel, LiveFeed feed, WebSocketServerHandshaker handshaker) {
        this.channel = channel;
        this.feed = feed;
        this.handshaker = handshaker;
        this.outbox = feed.outbox(channel.eventLoop());
    }

    /**
     * Answers the upgrade request {@code request} on {@code ctx}'s connection (whose handler, the web
     * handler, this replaces) and makes the connection a viewer of {@code feed}. Not a WebSocket
     * request: 426 with the versions spoken. Too many viewers: the socket opens and closes at once with
     * 1013 (try again later), which a page can tell from a refused login. Every {@code checkEvery} the
     * socket asks {@code loggedIn} (which keeps the session in use) and closes with 1008 once it says no.
     */
    public static void open(ChannelHandlerContext ctx, FullHttpRequest request, LiveFeed feed, boolean tls,
                            BooleanSupplier loggedIn, Duration checkEvery) {
        Channel ch = ctx.channel();
        String url = (tls ? "wss://" : "ws://") + request.headers().get("Host", "localhost") + request.uri();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, null, false,
                MAX_INCOMING_FRAME).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
            ch.config().setAutoRead(true);
            return;
        }
        LiveSocket socket = new LiveSocket(ch, feed, handshaker);
        ChannelPipeline p = ch.pipeline();
        if (p.get(RequestDeadline.class) != null) {
            p.remove(RequestDeadline.class); // a deadline per request; a live socket is one long answer
        }
        p.replace(ctx.handler(), "nvr-live", socket);
        handshaker.handshake(ch, request).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                ch.close();
                return;
            }
            ch.config().setAutoRead(true);
            socket.outbox.register(); // before joining: the feed may send at once
            socket.registered = true;
            socket.viewer = feed.join(socket);
            if (socket.viewer == null) {
                socket.closeWith(WebSocketCloseStatus.TRY_AGAIN_LATER, "too many live viewers");
            } else if (!ch.isActive()) {
                socket.leave(); // it went away during the handshake
            } else {
                long every = checkEvery.toMillis();
                socket.sessionCheck = ch.eventLoop().scheduleAtFixedRate(() -> {
                    if (!loggedIn.getAsBoolean()) {
                        socket.closeWith(WebSocketCloseStatus.POLICY_VIOLATION, "logged out");
                    }
                }, every, every, TimeUnit.MILLISECONDS);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof CloseWebSocketFrame close) {
                leave();
                handshaker.close(ch(), close.retain());
            } else if (msg instanceof PingWebSocketFrame ping) {
                ch().writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            }
            // pongs and anything else: nothing to do
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ch().writeAndFlush(new PingWebSocketFrame()); // the camera is down; the page keeps waiting
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        leave();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("live connection {} of {} failed", ch().remoteAddress(), feed.camera(), cause);
        leave();
        ctx.close();
    }

    private void leave() {
        if (viewer != null) {
            viewer.leave();
        }
        if (registered) {
            registered = false;
            outbox.unregister();
        }
        if (sessionCheck != null) {
            sessionCheck.cancel(false);
        }
    }

    private Channel ch() {
        return channel;
    }

    @Override
    public void text(String message) {
        outbox.offer(channel, new TextWebSocketFrame(message), null, false);
    }

    @Override
    public void binary(ByteBuf data, Runnable sent) {
        outbox.offer(channel, new BinaryWebSocketFrame(data), sent, false);
    }

    @Override
    public void close(String reason) {
        closeWith(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, reason);
    }

    private void closeWith(WebSocketCloseStatus status, String reason) {
        // through the outbox: after the pictures queued before it
        outbox.offer(channel, new CloseWebSocketFrame(status, reason), null, true);
    }
}
