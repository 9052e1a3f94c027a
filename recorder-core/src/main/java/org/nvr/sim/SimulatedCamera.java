package org.nvr.sim;

import io.netty.channel.Channel;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One mount of an {@link RtspCameraSimulator}: the path a client asks for, the clip it streams, and
 * the switches tests use to make the camera misbehave the way real cameras do.
 *
 * <ul>
 *   <li>{@link #setAvailable(boolean) setAvailable(false)}: connections that ask for this camera
 *       are closed without a reply and its sessions are dropped (a camera that went offline; a whole
 *       server that refuses TCP is {@link RtspCameraSimulator#stop()}).
 *   <li>{@link #dropSessions()}: closes the connections of current sessions once (a camera reboot).
 *   <li>{@link #requireAuth}: requests other than OPTIONS get 401 without the right credentials.
 *   <li>{@link #setSilent(boolean) setSilent(true)}: requests are read and never answered.
 *   <li>{@link #pauseStream(boolean) pauseStream(true)}: sessions stay connected and answer RTSP,
 *       but no RTP flows (an encoder stall); on resume the stream restarts at a keyframe.
 * </ul>
 *
 * <p>Thread-safe: the switches may be flipped from any thread at any time and take effect on the
 * next request or frame. The camera does not own its sessions' connections; it only keeps track of
 * them so it can close them.
 */
public final class SimulatedCamera {

    private final String path;
    private final SyntheticClip clip;
    private final Set<Channel> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean available = true;
    private volatile boolean silent;
    private volatile boolean streamPaused;
    private volatile RtspAuthenticator authenticator;

    SimulatedCamera(String path, SyntheticClip clip) {
        this.path = path;
        this.clip = Objects.requireNonNull(clip, "clip");
    }

    /** The mount path without leading or trailing slash, e.g. {@code cam-01}. */
    public String path() {
        return path;
    }

    public SyntheticClip clip() {
        return clip;
    }

    /** Takes the camera offline ({@code false}) or back online; going offline drops its sessions. */
    public void setAvailable(boolean available) {
        this.available = available;
        if (!available) {
            dropSessions();
        }
    }

    public boolean isAvailable() {
        return available;
    }

    /** Closes the connection of every current session of this camera; new ones are accepted. */
    public void dropSessions() {
        for (Channel channel : List.copyOf(sessions)) {
            channel.close();
        }
    }

    /** From now on, requests other than OPTIONS need these credentials. */
    public void requireAuth(String user, String password, AuthScheme scheme) {
        this.authenticator = new RtspAuthenticator(Objects.requireNonNull(user, "user"),
                Objects.requireNonNull(password, "password"), Objects.requireNonNull(scheme, "scheme"));
    }

    public void clearAuth() {
        this.authenticator = null;
    }

    /** While silent, requests for this camera are read and never answered; sessions keep streaming. */
    public void setSilent(boolean silent) {
        this.silent = silent;
    }

    /** Stops ({@code true}) or resumes RTP on every session of this camera; connections stay open. */
    public void pauseStream(boolean paused) {
        this.streamPaused = paused;
    }

    /** Sessions that have done SETUP and whose connection is still open. */
    public int sessionCount() {
        return sessions.size();
    }

    boolean isSilent() {
        return silent;
    }

    boolean isStreamPaused() {
        return streamPaused;
    }

    RtspAuthenticator authenticator() {
        return authenticator;
    }

    /** Tracks a session's connection until it closes; closes it at once if the camera went offline. */
    void attach(Channel channel) {
        if (sessions.add(channel)) {
            channel.closeFuture().addListener(f -> sessions.remove(channel));
        }
        if (!available) {
            channel.close();
        }
    }

    /** Stops tracking a connection whose session ended while the connection stays open. */
    void detach(Channel channel) {
        sessions.remove(channel);
    }

    @Override
    public String toString() {
        return "SimulatedCamera[" + path + "]";
    }
}
