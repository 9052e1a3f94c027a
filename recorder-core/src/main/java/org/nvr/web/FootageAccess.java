package org.nvr.web;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import org.nvr.config.WebConfig.Role;
import org.nvr.web.playback.FootageRoutes;
import org.nvr.web.playback.WebRequest;

/**
 * Who may reach recorded footage ({@link FootageRoutes} answers): playback and the list of holds
 * (viewer), snapshot, export and its downloads (operator).
 *
 * <p>Threads: the event loop; {@link FootageRoutes} moves the work to its own threads. Shared by all
 * connections.
 */
final class FootageAccess extends Routes {
    FootageAccess(WebHandler.Parts parts) {
        super(parts);
    }

    /**
     * Recorded footage ({@link FootageRoutes}): playback and the list of holds (viewer), snapshot, export
     * and its downloads (operator).
     */
    boolean footage(ChannelHandlerContext ctx, Request req, Caller caller) {
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
}
