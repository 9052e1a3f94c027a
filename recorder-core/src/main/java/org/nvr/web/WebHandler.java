package org.nvr.web;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.nvr.config.WebConfig;
import org.nvr.config.WebConfig.Role;
import org.nvr.footage.JsonText;
import org.nvr.metrics.CredentialCheck;
import org.nvr.metrics.FailureThrottle;
import org.nvr.web.live.LiveFeed;
import org.nvr.web.live.LiveFeeds;
import org.nvr.web.live.LiveSocket;
import org.nvr.web.playback.FootageRoutes;
import org.nvr.web.playback.WebRequest;
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
 * <p>Routes and the least role: viewer {@code GET /api/session, /api/cameras, /api/footage, /api/gaps} and
 * the pages {@code /app/<page>} unless the page declares more ({@code /app/uptime}: admin);
 * operator {@code POST /api/holds, DELETE /api/holds/{id}}; admin {@code GET /api/uptime, /api/audit}
 * (the queries and holds are {@link WebApi}'s); viewer {@code GET /live/{camera}} (a WebSocket, same
 * origin only, see {@link LiveSocket}). Recorded footage ({@link FootageRoutes}): viewer
 * {@code GET /playback/*, /api/holds}; operator {@code GET /snapshot/*, /api/exports/*, POST /api/export}.
 *
 * <p>Threads: the event loop; password checks complete on the check threads and API queries run on
 * the API executor, both handing their answer back through the channel (a connection reads nothing
 * while its request is being answered, so answers keep request order). Shared by all connections.
 */
@ChannelHandler.Sharable
final class WebHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String COOKIE = "nvr_session";
    /** The language picked with {@code ?lang=}: kept across the login and every page after it. */
    static final String LANG_COOKIE = "nvr_lang";
    /** How long a browser keeps the language picked (it holds no secret). */
    private static final Duration LANG_KEPT = Duration.ofDays(365);
    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CSRF_FIELD = "csrf_token";
    /** How often a live socket looks whether its session still holds. */
    private static final Duration LIVE_SESSION_CHECK = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(WebHandler.class);

    /** What the handler works with; owned by {@link WebServer}. */
    record Parts(WebConfig config, boolean tls, Sessions sessions, WebUsers users, CredentialCheck credentials,
                 FailureThrottle<String> userThrottle, Pages pages, WebApi api, Executor apiExecutor,
                 AuditTrail audit, Duration refusalDelay, LiveFeeds live, FootageRoutes footage) {
    }

    /** What is kept of a request once its buffer is released. */
    private record Request(HttpMethod method, String path, QueryStringDecoder query, HttpHeaders headers, String body,
                           boolean keepAlive, InetAddress client) {
        boolean safe() {
            return method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
        }

        Optional<String> header(CharSequence name) {
            return Optional.ofNullable(headers.get(name));
        }
    }

    /** Who a request comes from; {@code session} is null under HTTP Basic. */
    private record Caller(WebConfig.User user, Sessions.Session session) {
    }

    private final Parts p;

    WebHandler(Parts parts) {
        this.p = parts;
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
                login(ctx, req);
            }
            return;
        }
        if (path.equals("/")) {
            if (!req.safe()) {
                send(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, json("method not allowed"));
                return;
            }
            Optional<Sessions.Session> session = session(req);
            String lang = language(req);
            // After the login: the live wall.
            send(ctx, req, HttpResponseStatus.OK, keepLanguage(req, session.isPresent()
                    ? html(p.pages().app("wall", lang, session.get().user().name(), session.get().user().role().text(),
                            session.get().csrfToken()).orElseThrow())
                    : html(p.pages().login(lang, false, false))));
            return;
        }
        if (path.startsWith("/assets/") && req.safe()) {
            Optional<String[]> asset = p.pages().asset(path.substring("/assets/".length()));
            if (asset.isEmpty()) {
                send(ctx, req, HttpResponseStatus.NOT_FOUND, json("not found"));
            } else {
                send(ctx, req, HttpResponseStatus.OK, new Reply(asset.get()[0], asset.get()[1]));
            }
            return;
        }
        if (path.startsWith("/app/") && req.safe()) {
            // Pages behind the login: without a session, the login form (after which the user starts at /).
            Optional<Sessions.Session> session = session(req);
            String lang = language(req);
            if (session.isEmpty()) {
                send(ctx, req, HttpResponseStatus.OK, keepLanguage(req, html(p.pages().login(lang, false, false))));
                return;
            }
            String name = path.substring("/app/".length());
            WebConfig.User user = session.get().user();
            Optional<Role> needed = p.pages().appRole(name);
            if (needed.isPresent() && !user.role().allows(needed.get())) {
                send(ctx, req, HttpResponseStatus.FORBIDDEN, keepLanguage(req,
                        html(p.pages().forbidden(lang, user.name(), user.role().text(), needed.get().text()))));
                return;
            }
            Optional<String> page = p.pages().app(name, lang, user.name(), user.role().text(), session.get().csrfToken());
            if (page.isEmpty()) {
                send(ctx, req, HttpResponseStatus.NOT_FOUND, json("not found"));
            } else {
                send(ctx, req, HttpResponseStatus.OK, keepLanguage(req, html(page.get())));
            }
            return;
        }
        boolean api = path.startsWith("/api/");
        boolean guarded = api || path.startsWith("/live/") || path.startsWith("/playback/")
                || path.startsWith("/snapshot/") || path.equals("/logout");
        if (!guarded) {
            send(ctx, req, HttpResponseStatus.NOT_FOUND, json("not found"));
            return;
        }
        Optional<String> authorization = req.header(HttpHeaderNames.AUTHORIZATION);
        if (api && authorization.isPresent()) {
            basic(ctx, req, authorization.get());
            return;
        }
        Optional<Sessions.Session> session = session(req);
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
                                verdict.retryAfterSeconds(), json("too many wrong credentials; wait"));
                        case BUSY -> refuse(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE,
                                verdict.retryAfterSeconds(), json("busy; try again"));
                    }
                }));
    }

    /** The routes behind the login, each with the least role that may use it. */
    private void route(ChannelHandlerContext ctx, Request req, Caller caller) {
        String path = req.path();
        HttpMethod m = req.method();
        if (path.equals("/logout")) {
            if (!m.equals(HttpMethod.POST)) {
                send(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, json("method not allowed"));
                return;
            }
            p.sessions().remove(caller.session().id());
            p.audit().record(AuditTrail.LOGOUT, caller.user().name(), req.client(), null);
            Reply r = redirect("/");
            r.cookies.add(clearedCookie());
            send(ctx, req, HttpResponseStatus.SEE_OTHER, r);
            return;
        }
        if (path.equals("/api/session") && req.safe()) {
            Map<String, Object> who = new java.util.LinkedHashMap<>();
            who.put("user", caller.user().name());
            who.put("role", caller.user().role().text());
            who.put("csrf_token", caller.session() == null ? null : caller.session().csrfToken());
            send(ctx, req, HttpResponseStatus.OK, new Reply("application/json", JsonText.write(who)));
            return;
        }
        if (req.safe() && (path.equals("/api/cameras") || path.equals("/api/footage")
                || path.equals("/api/gaps"))) {
            query(ctx, req, caller, Role.VIEWER);
            return;
        }
        if (req.safe() && (path.equals("/api/uptime") || path.equals("/api/audit"))) {
            query(ctx, req, caller, Role.ADMIN);
            return;
        }
        if (m.equals(HttpMethod.DELETE) && path.startsWith("/api/holds/")) {
            if (allowed(ctx, req, caller, Role.OPERATOR)) {
                String id = path.substring("/api/holds/".length());
                blocking(ctx, req, () -> p.api().releaseHold(id, req.query().parameters(), caller.user().name(),
                        req.client()));
            }
            return;
        }
        if (m.equals(HttpMethod.POST) && path.equals("/api/holds")) {
            if (allowed(ctx, req, caller, Role.OPERATOR)) {
                blocking(ctx, req, () -> p.api().placeHold(req.body(), caller.user().name(), req.client()));
            }
            return;
        }
        if (m.equals(HttpMethod.GET) && path.startsWith("/live/")) {
            live(ctx, req, caller, path.substring("/live/".length()));
            return;
        }
        if (footage(ctx, req, caller)) {
            return;
        }
        send(ctx, req, HttpResponseStatus.NOT_FOUND, json("not found"));
    }

    /** {@code GET /live/{camera}}: the camera's live view as a WebSocket (see {@link LiveSocket}). */
    private void live(ChannelHandlerContext ctx, Request req, Caller caller, String camera) {
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

    /**
     * Recorded footage ({@link FootageRoutes}): playback and the list of holds (viewer), snapshot, export
     * and its downloads (operator).
     */
    private boolean footage(ChannelHandlerContext ctx, Request req, Caller caller) {
        String path = req.path();
        Role needed;
        java.util.function.BiConsumer<ChannelHandlerContext, WebRequest> route;
        if (req.safe() && path.startsWith("/playback/")) {
            needed = Role.VIEWER;
            route = p.footage()::playback;
        } else if (req.safe() && path.equals("/api/holds")) {
            needed = Role.VIEWER;
            route = p.footage()::holds;
        } else if (req.safe() && path.startsWith("/snapshot/")) {
            needed = Role.OPERATOR;
            route = p.footage()::snapshot;
        } else if (req.safe() && path.startsWith("/api/exports/")) {
            needed = Role.OPERATOR;
            route = p.footage()::download;
        } else if (req.method().equals(HttpMethod.POST) && path.equals("/api/export")) {
            needed = Role.OPERATOR;
            route = p.footage()::export;
        } else {
            return false;
        }
        if (allowed(ctx, req, caller, needed)) {
            route.accept(ctx, new WebRequest(req.method(), path, req.query().parameters(), req.headers(), req.body(),
                    req.keepAlive(), req.client(), caller.user().name()));
        }
        return true;
    }

    private boolean allowed(ChannelHandlerContext ctx, Request req, Caller caller, Role needed) {
        if (caller.user().role().allows(needed)) {
            return true;
        }
        send(ctx, req, HttpResponseStatus.FORBIDDEN, json("a " + caller.user().role().text() + " may not do this; "
                + needed.text() + " or above may"));
        return false;
    }

    private void query(ChannelHandlerContext ctx, Request req, Caller caller, Role needed) {
        if (!allowed(ctx, req, caller, needed)) {
            return;
        }
        blocking(ctx, req, () -> p.api().answer(req.path(), req.query()));
    }

    /** Runs {@code work} (index reads or writes) on the API threads and sends its reply. */
    private void blocking(ChannelHandlerContext ctx, Request req, java.util.function.Supplier<WebApi.Reply> work) {
        try {
            p.apiExecutor().execute(() -> {
                WebApi.Reply reply;
                try {
                    reply = work.get();
                } catch (RuntimeException e) {
                    log.warn("Web request {} {} failed", req.method(), req.path(), e);
                    reply = WebApi.Reply.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error; see the recorder's log");
                }
                send(ctx, req, reply.status(), new Reply("application/json", reply.json()));
            });
        } catch (RejectedExecutionException e) {
            refuse(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, 1, json("busy; try again"));
        }
    }

    /** {@code POST /login}: form fields {@code username} and {@code password}. */
    private void login(ChannelHandlerContext ctx, Request req) {
        String type = req.header(HttpHeaderNames.CONTENT_TYPE).orElse("");
        if (!type.startsWith(HttpHeaderValues.APPLICATION_X_WWW_FORM_URLENCODED.toString())) {
            send(ctx, req, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, json("expected a form"));
            return;
        }
        Map<String, List<String>> form = new QueryStringDecoder(req.body(), StandardCharsets.UTF_8, false).parameters();
        String name = first(form, "username");
        String password = first(form, "password");
        String lang = language(req);
        if (name.isEmpty() || password.isEmpty() || name.indexOf(':') >= 0) {
            send(ctx, req, HttpResponseStatus.UNAUTHORIZED, html(p.pages().login(lang, true, false)));
            return;
        }
        Optional<Duration> wait = p.userThrottle().retryAfter(name);
        if (wait.isPresent()) {
            refuse(ctx, req, HttpResponseStatus.TOO_MANY_REQUESTS, Math.max(1, wait.get().toSeconds()),
                    html(p.pages().login(lang, false, true)));
            return;
        }
        p.credentials().check(req.client(), WebUsers.basic(name, password)).whenComplete((verdict, failure) ->
                ctx.executor().execute(() -> {
                    if (failure != null) {
                        send(ctx, req, HttpResponseStatus.INTERNAL_SERVER_ERROR, json("internal error"));
                        return;
                    }
                    loggedIn(ctx, req, name, lang, verdict);
                }));
    }

    private void loggedIn(ChannelHandlerContext ctx, Request req, String name, String lang,
                          CredentialCheck.Verdict verdict) {
        Optional<WebConfig.User> user = p.users().byName(name);
        switch (verdict.outcome()) {
            case ACCEPTED -> {
                p.userThrottle().succeeded(name);
                Sessions.Session session = p.sessions().create(user.orElseThrow());
                p.audit().record(AuditTrail.LOGIN, name, req.client(), null);
                Reply r = redirect("/");
                r.cookies.add(sessionCookie(session));
                send(ctx, req, HttpResponseStatus.SEE_OTHER, r);
            }
            case REJECTED -> {
                if (p.userThrottle().failed(name)) {
                    log.warn("Web login: too many wrong passwords for user {}; refused without checking for a while",
                            user.isPresent() ? name : "(a name no user has)");
                }
                // A name no user has is not written down: it may be a password typed in the wrong field.
                p.audit().record(AuditTrail.LOGIN_FAILED, user.map(WebConfig.User::name).orElse(null), req.client(),
                        user.isPresent() ? "wrong password" : "unknown user name");
                send(ctx, req, HttpResponseStatus.UNAUTHORIZED, html(p.pages().login(lang, true, false)));
            }
            case THROTTLED -> refuse(ctx, req, HttpResponseStatus.TOO_MANY_REQUESTS, verdict.retryAfterSeconds(),
                    html(p.pages().login(lang, false, true)));
            case BUSY -> refuse(ctx, req, HttpResponseStatus.SERVICE_UNAVAILABLE, verdict.retryAfterSeconds(),
                    json("busy; try again"));
        }
    }

    private Optional<Sessions.Session> session(Request req) {
        return cookie(req, COOKIE).flatMap(id -> p.sessions().touch(id));
    }

    private static Optional<String> cookie(Request req, String name) {
        Optional<String> header = req.header(HttpHeaderNames.COOKIE);
        if (header.isEmpty()) {
            return Optional.empty();
        }
        for (Cookie c : ServerCookieDecoder.STRICT.decode(header.get())) {
            if (c.name().equals(name)) {
                return Optional.of(c.value());
            }
        }
        return Optional.empty();
    }

    /** Whether the browser says the request comes from a page of another origin than this server. */
    private static boolean crossOrigin(Request req) {
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

    /** The page's language: {@code ?lang=} when given, else the one picked before (cookie), else the config's. */
    private String language(Request req) {
        return askedLanguage(req).or(() -> cookie(req, LANG_COOKIE).filter(WebHandler::isLanguage))
                .orElse(p.config().language());
    }

    private static Optional<String> askedLanguage(Request req) {
        return Optional.of(first(req.query().parameters(), "lang")).filter(WebHandler::isLanguage);
    }

    private static boolean isLanguage(String text) {
        return text.equals("en") || text.equals("vi");
    }

    /**
     * A page asked for with {@code ?lang=}: the browser keeps that language (a cookie), so that the login's
     * redirect to {@code /} and every later page without the parameter show it too.
     */
    private Reply keepLanguage(Request req, Reply page) {
        askedLanguage(req).ifPresent(lang -> {
            DefaultCookie c = new DefaultCookie(LANG_COOKIE, lang);
            c.setPath("/");
            c.setSecure(p.tls());
            c.setSameSite(CookieHeaderNames.SameSite.Lax);
            c.setMaxAge(LANG_KEPT.toSeconds());
            page.cookies.add(ServerCookieEncoder.STRICT.encode(c));
        });
        return page;
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? "" : values.get(0);
    }

    private String sessionCookie(Sessions.Session session) {
        DefaultCookie c = new DefaultCookie(COOKIE, session.id());
        c.setPath("/");
        c.setHttpOnly(true);
        c.setSecure(p.tls());
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        c.setMaxAge(p.sessions().absolute().toSeconds());
        return ServerCookieEncoder.STRICT.encode(c);
    }

    private String clearedCookie() {
        DefaultCookie c = new DefaultCookie(COOKIE, "");
        c.setPath("/");
        c.setHttpOnly(true);
        c.setSecure(p.tls());
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        c.setMaxAge(0);
        return ServerCookieEncoder.STRICT.encode(c);
    }

    /** A body with its type, and the headers a few answers add. */
    private static final class Reply {
        final String contentType;
        final String body;
        String location;
        final List<String> cookies = new java.util.ArrayList<>();
        long retryAfter = -1;

        Reply(String contentType, String body) {
            this.contentType = contentType;
            this.body = body;
        }
    }

    private static Reply json(String error) {
        return new Reply("application/json", JsonText.write(Map.of("error", error)));
    }

    private static Reply html(String page) {
        return new Reply("text/html; charset=utf-8", page);
    }

    private static Reply redirect(String location) {
        Reply r = new Reply("text/plain; charset=utf-8", "");
        r.location = location;
        return r;
    }

    /** A 429 or 503, held back a moment so that a client ignoring Retry-After stays cheap. */
    private void refuse(ChannelHandlerContext ctx, Request req, HttpResponseStatus status, long retryAfterSeconds,
                        Reply reply) {
        reply.retryAfter = retryAfterSeconds;
        ctx.executor().schedule(() -> send(ctx, req, status, reply), p.refusalDelay().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void send(ChannelHandlerContext ctx, Request req, HttpResponseStatus status, Reply reply) {
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
