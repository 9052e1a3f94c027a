package org.nvr.web;

import static org.nvr.web.WebHandler.COOKIE;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nvr.config.WebConfig;
import org.nvr.metrics.CredentialCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logging in and out with the form, and the session a browser's cookie names: {@code POST /login}
 * (checked off the event loop by {@link CredentialCheck}, throttled per address there and per user
 * name here, every outcome audited), {@code POST /logout}, the session cookie, and the language of the
 * pages ({@code ?lang=}, else {@code web.language}).
 *
 * <p>Threads: the event loop; a password check completes on the check threads and hands its answer
 * back to the event loop. Shared by all connections.
 */
final class LoginRoutes extends Routes {
    private static final Logger log = LoggerFactory.getLogger(LoginRoutes.class);
    /** The language picked with {@code ?lang=}: kept across the login and every page after it. */
    static final String LANG_COOKIE = "nvr_lang";
    /** How long a browser keeps the language picked (it holds no secret). */
    private static final Duration LANG_KEPT = Duration.ofDays(365);

    LoginRoutes(WebHandler.Parts parts) {
        super(parts);
    }

    /** {@code POST /login}: form fields {@code username} and {@code password}. */
    void login(ChannelHandlerContext ctx, Request req) {
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

    void loggedIn(ChannelHandlerContext ctx, Request req, String name, String lang,
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

    /** {@code POST /logout}: ends the caller's session and clears its cookie. */
    void logout(ChannelHandlerContext ctx, Request req, Caller caller) {
        if (!req.method().equals(HttpMethod.POST)) {
            send(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, json("method not allowed"));
            return;
        }
        p.sessions().remove(caller.session().id());
        p.audit().record(AuditTrail.LOGOUT, caller.user().name(), req.client(), null);
        Reply r = redirect("/");
        r.cookies.add(clearedCookie());
        send(ctx, req, HttpResponseStatus.SEE_OTHER, r);
    }

    Optional<Sessions.Session> session(Request req) {
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

    /** The page's language: {@code ?lang=} when given, else the one picked before (cookie), else the config's. */
    String language(Request req) {
        return askedLanguage(req).or(() -> cookie(req, LANG_COOKIE).filter(LoginRoutes::isLanguage))
                .orElse(p.config().language());
    }

    private static Optional<String> askedLanguage(Request req) {
        return Optional.of(first(req.query().parameters(), "lang")).filter(LoginRoutes::isLanguage);
    }

    private static boolean isLanguage(String text) {
        return text.equals("en") || text.equals("vi");
    }

    /**
     * A page asked for with {@code ?lang=}: the browser keeps that language (a cookie), so that the login's
     * redirect to {@code /} and every later page without the parameter show it too.
     */
    Reply keepLanguage(Request req, Reply page) {
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

    String sessionCookie(Sessions.Session session) {
        DefaultCookie c = new DefaultCookie(COOKIE, session.id());
        c.setPath("/");
        c.setHttpOnly(true);
        c.setSecure(p.tls());
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        c.setMaxAge(p.sessions().absolute().toSeconds());
        return ServerCookieEncoder.STRICT.encode(c);
    }

    String clearedCookie() {
        DefaultCookie c = new DefaultCookie(COOKIE, "");
        c.setPath("/");
        c.setHttpOnly(true);
        c.setSecure(p.tls());
        c.setSameSite(CookieHeaderNames.SameSite.Strict);
        c.setMaxAge(0);
        return ServerCookieEncoder.STRICT.encode(c);
    }
}
