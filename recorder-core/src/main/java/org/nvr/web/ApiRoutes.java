package org.nvr.web;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.nvr.config.WebConfig.Role;
import org.nvr.footage.JsonText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSON API behind the login ({@link WebApi} answers): viewer {@code GET /api/session, /api/cameras,
 * /api/footage, /api/gaps}; admin {@code GET /api/uptime, /api/audit}; operator {@code POST /api/holds,
 * DELETE /api/holds/{id}}. Index work runs on the API executor, never on the event loop; a full queue
 * is 503.
 *
 * <p>Threads: the event loop, and the API threads for the index work. Shared by all connections.
 */
final class ApiRoutes extends Routes {
    private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);

    ApiRoutes(WebHandler.Parts parts) {
        super(parts);
    }

    /** Answers the request if it is one of these routes; false when it is not. */
    boolean route(ChannelHandlerContext ctx, Request req, Caller caller) {
        String path = req.path();
        HttpMethod m = req.method();
        if (path.equals("/api/session") && req.safe()) {
            Map<String, Object> who = new java.util.LinkedHashMap<>();
            who.put("user", caller.user().name());
            who.put("role", caller.user().role().text());
            who.put("csrf_token", caller.session() == null ? null : caller.session().csrfToken());
            send(ctx, req, HttpResponseStatus.OK, new Reply("application/json", JsonText.write(who)));
            return true;
        }
        if (req.safe() && (path.equals("/api/cameras") || path.equals("/api/footage")
                || path.equals("/api/gaps"))) {
            query(ctx, req, caller, Role.VIEWER);
            return true;
        }
        if (req.safe() && (path.equals("/api/uptime") || path.equals("/api/audit"))) {
            query(ctx, req, caller, Role.ADMIN);
            return true;
        }
        if (m.equals(HttpMethod.DELETE) && path.startsWith("/api/holds/")) {
            if (allowed(ctx, req, caller, Role.OPERATOR)) {
                String id = path.substring("/api/holds/".length());
                blocking(ctx, req, () -> p.api().releaseHold(id, req.query().parameters(), caller.user().name(),
                        req.client()));
            }
            return true;
        }
        if (m.equals(HttpMethod.POST) && path.equals("/api/holds")) {
            if (allowed(ctx, req, caller, Role.OPERATOR)) {
                blocking(ctx, req, () -> p.api().placeHold(req.body(), caller.user().name(), req.client()));
            }
            return true;
        }
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
}
