package org.nvr.camera;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Looks a camera's host up afresh for every attempt and every port probe: a camera behind a household
 * modem is often known by a dynamic-DNS name whose address changes when the modem reconnects, and the
 * recorder must follow it at once, not when a cache expires.
 *
 * <p>Implementations never block the calling thread (the supervisors call it on the event loop that
 * the systemd watchdog's liveness check also runs on) and bound every lookup.
 */
@FunctionalInterface
public interface HostResolver {
    /**
     * The address of {@code host} (a name or an IP literal, IPv6 with or without brackets), looked up
     * now. Completes exceptionally when the name does not resolve or no name server answered in time.
     */
    CompletableFuture<InetAddress> resolve(String host);
}
