package org.nvr.camera;

import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A cheap question to a camera that is down: does anything accept a TCP connection on its RTSP port?
 * Used instead of a full RTSP session while a camera is unreachable, so recording resumes within about
 * a second of the camera coming back without hammering it (or the household's modem) with sessions.
 * The address is already looked up ({@link HostResolver}): a probe never resolves a name.
 */
@FunctionalInterface
public interface PortProbe {
    /** Completes with true when the port accepts a connection, false when it refuses or times out. Never fails. */
    CompletableFuture<Boolean> probe(InetAddress address, int port);
}
