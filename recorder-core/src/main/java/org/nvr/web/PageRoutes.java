package org.nvr.web;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Optional;
import org.nvr.config.WebConfig;
import org.nvr.config.WebConfig.Role;

/**
 * The pages ({@link Pages}): {@code GET /} (the login form, or after the login the live wall),
 * {@code /assets/*} (open to all: scripts and styles of the login page too) and {@code /app/<page>}
 * (the login form without a session; 403 when the page asks a higher role than the user's).
 *
 * <p>Threads: the event loop. Shared by all connections.
 */
final class PageRoutes extends Routes {
    private final LoginRoutes login;

    PageRoutes(WebHandler.Parts parts, LoginRoutes login) {
        super(parts);
        this.login = login;
    }

    /** {@code /}: the live wall, or the login form. */
    void root(ChannelHandlerContext ctx, Request req) {
        if (!req.safe()) {
            send(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED, json("method not allowed"));
            return;
        }
        Optional<Sessions.Session> session = login.session(req);
        String lang = login.language(req);
        // After the login: the live wall.
        send(ctx, req, HttpResponseStatus.OK, login.keepLanguage(req, session.isPresent()
                ? html(p.pages().app("wall", lang, session.get().user().name(), session.get().user().role().text(),
                        session.get().csrfToken()).orElseThrow())
                : html(p.pages().login(lang, false, false))));
    }

    /** {@code GET /assets/<name>}. */
    void asset(ChannelHandlerContext ctx, Request req) {
        Optional<String[]> asset = p.pages().asset(req.path().substring("/assets/".length()));
        if (asset.isEmpty()) {
            send(ctx, req, HttpResponseStatus.NOT_FOUND, json("not found"));
        } else {
            send(ctx, req, HttpResponseStatus.OK, new Reply(asset.get()[0], asset.get()[1]));
        }
    }

    /** {@code GET /app/<page>}. */
    void app(ChannelHandlerContext ctx, Request req) {
        // Pages behind the login: without a session, the login form (after which the user starts at /).
        Optional<Sessions.Session> session = login.session(req);
        String lang = login.language(req);
        if (session.isEmpty()) {
            send(ctx, req, HttpResponseStatus.OK, login.keepLanguage(req, html(p.pages().login(lang, false, false))));
            return;
        }
        String name = req.path().substring("/app/".length());
        WebConfig.User user = session.get().user();
        Optional<Role> needed = p.pages().appRole(name);
        if (needed.isPresent() && !user.role().allows(needed.get())) {
            send(ctx, req, HttpResponseStatus.FORBIDDEN, login.keepLanguage(req,
                    html(p.pages().forbidden(lang, user.name(), user.role().text(), needed.get().text()))));
            return;
        }
        Optional<String> page = p.pages().app(name, lang, user.name(), user.role().text(), session.get().csrfToken());
        if (page.isEmpty()) {
            send(ctx, req, HttpResponseStatus.NOT_FOUND, json("not found"));
        } else {
            send(ctx, req, HttpResponseStatus.OK, login.keepLanguage(req, html(page.get())));
        }
    }
}
