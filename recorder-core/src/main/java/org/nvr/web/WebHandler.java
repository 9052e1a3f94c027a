package org.nvr.web;

import static org.nvr.web.Routes.crossOrigin;
import static org.nvr.web.Routes.first;
import static org.nvr.web.Routes.json;
import static org.nvr.web.Routes.redirect;
import static org.nvr.web.Routes.refuse;
import static org.nvr.web.Routes.send;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import org.nvr.config.WebConfig;
import org.nvr.metrics.CredentialCheck;
import org.nvr.metrics.FailureThrottle;
import org.nvr.web.live.LiveFeeds;
import org.nvr.web.playback.FootageRoutes;
import org.nvr.web.Routes.Caller;
import org.nvr.web.Routes.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request of the web server: who is asking (session cookie, or HTTP Basic on {@code /api/*}),
 * whether a state-changing request carries the session's CSRF token, whether the user's role allows
 * the route, then the answer. {@code GET /} without a session is the login page; {@code /api/*},
 * {@code /live/*}, {@code /playback/*} and {@code /snapshot/*} without one are 401. No answer ever
 * carries {@code WWW-Authenticate}, so browsers never cache Basic credentials. Logins are checked off
 * the event loop by {@link CredentialCheck} (throttled per address) and throttled per user as well;
 * a POST or DELETE whose {@code Origin} is another site is refused.
 *
 * <p>It only decides who asks and which family answers, each with the least role of its routes:
 * {@link LoginRoutes} ({@code /login}, {@code /logout}, the session cookie, the language),
 * {@link PageRoutes} ({@code /}, {@code /assets/*}, {@code /app/<page>}), {@link ApiRoutes}
 * ({@code /api/*} queries and holds), {@link LiveRoutes} ({@code /live/{camera}}) and
 * {@link FootageAccess} ({@code /playback/*}, {@code /snapshot/*}, exports, the list of holds).
 *
 * <p>Threads: the event loop; password checks complete on the check threads and API queries run on
 * the API executor, both handing their answer back through the channel (a connection reads nothing
 * while its request is being answered, so answers keep request order). Shared by all connections.
 */
@ChannelHandler.Sharable
final class WebHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String COOKIE = "nvr_session";
    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CSRF_FIELD = "csrf_token";
    private static final Logger log = LoggerFactory.getLogger(WebHandler.class);

    /** What the handler works with; owned by {@link WebServer}. */
    record Parts(WebConfig config, boolean tls, Sessions sessions, WebUsers users, CredentialCheck credentials,
                 FailureThrottle<String> userThrottle, Pages pages, WebApi api, Executor apiExecutor,
                 AuditTrail audit, Duration refusalDelay, LiveFeeds live, FootageRoutes footage) {
    }

    private final Parts p;
    private final LoginRoutes login;
    private final PageRoutes pages;
    private final ApiRoutes api;
    private final LiveRoutes live;
    private final FootageAccess footage;

    WebHandler(Parts parts) {
        this.p = parts;
        this.login = new LoginRoutes(parts);
        this.pages = new PageRoutes(parts, login);
        this.api = new ApiRoutes(parts);
        this.live = new LiveRoutes(parts);
        this.footage = new FootageAccess(parts);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
        InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        if (!msg.decoderResult().isSuccess()) {
            send(ctx, new Request(msg.method(), "", new QueryStringDecoder("/"), msg.headers().copy(), "", false,
                    client), HttpResponseStatus.BAD_REQUEST, json("bad request"));
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(msg.uri());
        Request req = new Request(msg.method(), query.path(), query, msg.headers().copy(),
                msg.content().toString(StandardCharsets.UTF_8), HttpUtil.isKeepAlive(msg), client);
        // One request at a time per connection: the next is read once this one is answered.
        ctx.channel().config().setAutoRead(false);
        try {
            dispatch(ctx, req);
        } catch (RuntimeException e) {
            log.warn("Web request {} {} failed", req.method(), req.path(), e);
            send(ctx, req, HttpResponseStatus.INTERNAL_SERVER_ERROR, json("internal error; see the recorder's log"));
        }
    }

    private void dispatch(ChannelHandlerContext ctx, Request req) {
        String path = req.path();
        if (!req.safe() && crossOrigin(req)) {
            // Another site's page posting here (a login CSRF, or anything the token would stop anyway).
            send(ctx, req, HttpResponseStatus.FORBIDDEN, json("cross-origin request refused"));
            return;
        }
        if (path.equals("/login")) {
            if (!req.method().equals(HttpMethod.POST)) {
                send(ctx, req, HttpResponseStatus.SEE_OTHER, redirect("/"));
            } else {
                login.login(ctx, req);
            }
            return;
        }
        if (path.equals("/")) {
            pages.root(ctx, req);
            return;
        }
        if (path.startsWith("/assets/") && req.safe()) {
            pages.asset(ctx, req);
            return;
        }
        if (path.startsWith("/app/") && req.safe()) {
            pages.app(ctx, req);
            return;
        }
        boolean apiPath = path.startsWith("/api/");
        boolean guarded = apiPath || path.startsWith("/live/") || path.startsWith("/playback/")
                || path.startsWith("/snapshot/") || path.equals("/logout");
        if (!guarded) {
            send(ctx, req, HttpResponseStatus.NOT_FOUND, json("not found"));
            return;
        }
        Optional<String> authorization = req.header(HttpHeaderNames.AUTHORIZATION);
        if (apiPath && authorization.isPresent()) {
            basic(ctx, req, authorization.get());
            return;
        }
        Optional<Sessions.Session> session = login.session(req);
        if (session.isEmpty()) {
            send(ctx, req, HttpResponseStatus.UNAUTHORIZED, json("log in first"));
            return;
        }
        if (!req.safe() && !session.get().csrfMatches(csrfToken(req))) {
            send(ctx, req, HttpResponseStatus.FORBIDDEN, json("missing or wrong CSRF token"));
            return;
        }
        route(ctx, req, new Caller(session.get().user(), session.get()));
    }

    /** Scripts: Basic credentials, checked (off the event loop) on every request; no CSRF token needed. */
    private void basic(ChannelHandlerContext ctx, Request req, String authorization) {
        p.credentials().check(req.client(), authorization).whenComplete((verdict, failure) ->
                ctx.executor().execute(() -> {
                    if (failure != null) {
                        send(ctx, req, HttpResponseStatus.INTERNAL_SERVER_ERROR, json("internal error"));
                        return;
                    }
                    switch (verdict.outcome()) {
                        case ACCEPTED -> {
                            Optional<WebConfig.User> user = p.users().user(authorization);
                            if (user.isEmpty()) {
                                send(ctx, req, HttpResponseStatus.UNAUTHORIZED, json("wrong credentials"));
                            } else {
                                route(ctx, req, new Caller(user.get(), null));
                            }
                        }
                        case REJECTED -> send(ctx, req, HttpResponseStatus.UNAUTHORIZED, json("wrong credentials"));
                        case THROTTLED -> refuse(ctx, req, HttpResponseStatus.TOO_MANY_REQUESTS,
                                verdict.retryAfterSeconds(), json("too many wrong credentials; wait"), p.refusalDelay());
                        case BUSY -> refuse(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE,
                                verdict.retryAfterSeconds(), json("busy; try again"), p.refusalDelay());
                    }
                }));
    }

    /** The routes behind the login, each with the least role that may use it. */
    private void route(ChannelHandlerContext ctx, Request req, Caller caller) {
        String path = req.path();
        HttpMethod m = req.method();
        if (path.equals("/logout")) {
            login.logout(ctx, req, caller);
            return;
        }
        if (api.route(ctx, req, caller)) {
            return;
        }
        if (m.equals(HttpMethod.GET) && path.startsWith("/live/")) {
            live.live(ctx, req, caller, path.substring("/live/".length()));
            return;
        }
        if (footage.footage(ctx, req, caller)) {
            return;
        }
        send(ctx, req, HttpResponseStatus.NOT_FOUND, json("not found"));
    }

    private static String csrfToken(Request req) {
        Optional<String> header = req.header(CSRF_HEADER);
        if (header.isPresent()) {
            return header.get();
        }
        if (req.header(HttpHeaderNames.CONTENT_TYPE).orElse("")
                .startsWith(HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED.toString())) {
            String token = first(new QueryStringDecoder(req.body(), StandardCharsets.UTF_8, false).parameters(),
                    CSRF_FIELD);
            return token.isEmpty() ? null : token;
        }
        return null;
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
        // Mostly resets by the peer or TLS handshakes gone wrong; nothing to answer.
        log.debug("Web connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
