package org.nvr.sim;

import io.netty.channel.Channel;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
 *   <li>{@link #sendGarbageInsteadOfRtsp(boolean) sendGarbageInsteadOfRtsp(true)}: every request
 *       is answered with a burst of random bytes instead of a reply; the connection stays open.
 *   <li>{@link #injectGarbage()}: one burst of random bytes goes into every playing stream, between
 *       two RTP packets (a firmware bug, a proxy that mixes connections up).
 *   <li>{@link #jumpTimestamps(Duration)}: the RTP clock of playing sessions steps forward or back
 *       (a camera whose clock was reset); the pictures go on as before.
 *   <li>{@link #switchClip(SyntheticClip)}: playing sessions go on with another clip, starting at
 *       its first IDR with its SPS/PPS in band (a resolution or profile change); new sessions are
 *       described with the new clip.
 *   <li>{@link #setRtpLossEvery(int)}: every n-th RTP packet of each session is not sent (a lossy
 *       link; the sequence numbers show the gaps).
 *   <li>{@link #setRtpSwapEvery(int)}: every n-th RTP packet is sent after the one that follows it
 *       (UDP reordering).
 *   <li>{@link #setQuirks}: the camera bends RTSP, SDP or RTP as real ones do ({@link Quirk}).
 *   <li>{@link #setSingleSession(boolean)}: one session at a time; a session whose client went away
 *       without TEARDOWN holds the slot until the session timeout (SETUP answered 453 meanwhile).
 * </ul>
 *
 * <p>Deterministic: the garbage is drawn from a {@link java.util.Random} seeded with {@link
 * #setGarbageSeed(long) the camera's garbage seed}, so every burst is the same bytes, and loss
 * counts packets from each session's start. What a fault sends depends only on the clips and on
 * the session's random SSRC, first sequence number and first timestamp; when it reaches a playing
 * stream depends on when the switch is flipped: at the next frame that session sends.
 *
 * <p>Thread-safe: the switches may be flipped from any thread at any time and take effect on the
 * next request or frame. The camera does not own its sessions' connections; it only keeps track of
 * them so it can close them. Clips are shared, not owned.
 */
public final class SimulatedCamera {

    /** Size of one burst of garbage, on the RTSP connection or in the media stream. */
    static final int GARBAGE_BYTES = 1024;
    private static final long DEFAULT_GARBAGE_SEED = 0x5EED_0F_BAD_CAFEL;

    private final String path;
    private final Set<Channel> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicLong garbageInjections = new AtomicLong();
    private final AtomicLong timestampJumpTicks = new AtomicLong();
    private volatile SyntheticClip clip;
    private volatile boolean available = true;
    private volatile boolean silent;
    private volatile boolean streamPaused;
    private volatile boolean garbageInsteadOfRtsp;
    private volatile byte[] garbage = Garbage.burst(DEFAULT_GARBAGE_SEED, GARBAGE_BYTES);
    private volatile int rtpLossEvery;
    private volatile int rtpSwapEvery;
    private volatile boolean udpBlackhole;
    private final AtomicBoolean hangUpMidPicture = new AtomicBoolean();
    private volatile RtspAuthenticator authenticator;
    private volatile Set<Quirk> quirks = EnumSet.noneOf(Quirk.class);
    private volatile boolean singleSession;
    /** The session holding the single slot, and until when (ticker nanos) once its client went away. */
    private Object slotHolder;
    private boolean slotOrphaned;
    private long slotExpiresNanos;

    SimulatedCamera(String path, SyntheticClip clip) {
        this.path = path;
        this.clip = Objects.requireNonNull(clip, "clip");
    }

    /** The mount path without leading or trailing slash, e.g. {@code cam-01}. */
    public String path() {
        return path;
    }

    /** The clip new sessions are described with and play: the first one, or the last switched to. */
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

    /**
     * The next picture sent stops after its access unit delimiter, and the connection closes: a camera
     * that dies (or is stopped) between the RTP packets of one picture, so the client's last packet
     * holds only a delimiter. Needs a clip {@link SyntheticClip#withAccessUnitDelimiters() with
     * delimiters}; happens once, in one session.
     */
    public void hangUpMidPicture() {
        hangUpMidPicture.set(true);
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

    /**
     * While on, every request for this camera (OPTIONS included) is answered with the camera's
     * {@link #garbage() burst of garbage} instead of a reply, and the connection is left open: the
     * client decides when to give up. Sessions already playing keep streaming.
     */
    public void sendGarbageInsteadOfRtsp(boolean on) {
        this.garbageInsteadOfRtsp = on;
    }

    /**
     * Sends the camera's {@link #garbage() burst of garbage} once into every session that is playing
     * now, just before its next frame: between two interleaved RTP frames on TCP (the client's
     * demuxer has to find the next {@code '$'} again), as one datagram to the RTP port on UDP.
     */
    public void injectGarbage() {
        garbageInjections.incrementAndGet();
    }

    /** Seeds the garbage; every burst is the same {@value #GARBAGE_BYTES} bytes for a given seed. */
    public void setGarbageSeed(long seed) {
        this.garbage = Garbage.burst(seed, GARBAGE_BYTES);
    }

    /**
     * Makes {@code bytes} the camera's burst instead of seeded garbage: e.g. a crafted interleaved frame
     * (RTCP of a stranger's SSRC, as Tapo cameras send) for {@link #injectGarbage()} to send between frames.
     */
    public void setGarbage(byte[] bytes) {
        this.garbage = bytes.clone();
    }

    /** The burst of garbage this camera sends, a copy. */
    public byte[] garbage() {
        return garbage.clone();
    }

    /**
     * Shifts the RTP timestamps of every packet that sessions playing now send from their next
     * frame on by {@code delta} (90 kHz clock, rounded down to a tick), forward if positive and
     * backward if negative, as a camera whose clock is reset does. Frames, their pace and their
     * sequence numbers go on unchanged; jumps add up. Sessions that start later are not affected.
     */
    public void jumpTimestamps(Duration delta) {
        timestampJumpTicks.addAndGet(ticks(Objects.requireNonNull(delta, "delta")));
    }

    /**
     * From their next frame on, sessions playing now stream {@code other} from its first picture, an
     * IDR preceded by the new clip's SPS and PPS, as a camera does when its resolution or profile is
     * changed; RTP timestamps and sequence numbers go on from where they were, at the new clip's
     * frame rate. DESCRIBE from now on announces {@code other}.
     */
    public void switchClip(SyntheticClip other) {
        this.clip = Objects.requireNonNull(other, "other");
    }

    /**
     * Leaves out every {@code n}-th RTP packet of each session (counting from its first), so the
     * client sees a sequence number gap and a damaged picture; 0 turns loss off. RTCP is not
     * affected, and sender reports count the dropped packets as sent, as a camera on a lossy link
     * would.
     *
     * @throws IllegalArgumentException if {@code n} is 1 (nothing would be sent) or negative
     */
    public void setRtpLossEvery(int n) {
        if (n < 0 || n == 1) {
            throw new IllegalArgumentException("loss interval must be 0 (off) or at least 2: " + n);
        }
        this.rtpLossEvery = n;
    }

    /**
     * Sends every {@code n}-th RTP packet of each session (counting from its first, after loss) after the
     * packet that follows it, within the same frame's flush, as a UDP path with several routes reorders
     * them; 0 turns it off. Nothing is lost.
     *
     * @throws IllegalArgumentException if {@code n} is 1 or negative
     */
    public void setRtpSwapEvery(int n) {
        if (n < 0 || n == 1) {
            throw new IllegalArgumentException("swap interval must be 0 (off) or at least 2: " + n);
        }
        this.rtpSwapEvery = n;
    }

    int rtpSwapEvery() {
        return rtpSwapEvery;
    }

    /**
     * Accepts UDP sessions but lets none of their datagrams through, as a router or firewall that
     * drops inbound UDP does: the client set up fine and then receives nothing. TCP sessions are not
     * affected.
     */
    public void setUdpBlackhole(boolean on) {
        this.udpBlackhole = on;
    }

    boolean isUdpBlackhole() {
        return udpBlackhole;
    }

    /** From the next DESCRIBE, SETUP or frame on, the camera shows exactly these quirks. */
    public void setQuirks(Quirk... shown) {
        Set<Quirk> set = EnumSet.noneOf(Quirk.class);
        set.addAll(List.of(shown));
        this.quirks = set;
    }

    boolean has(Quirk quirk) {
        return quirks.contains(quirk);
    }

    /**
     * One session at a time, as cameras with a single RTSP slot: a second SETUP is answered 453 Not Enough
     * Bandwidth while the slot is held. TEARDOWN frees it at once; a client that goes away without one
     * leaves it held until the simulator's session timeout has passed.
     */
    public void setSingleSession(boolean on) {
        this.singleSession = on;
    }

    /** Takes the slot for {@code session}; false while another holds it. Always true without single-session. */
    synchronized boolean claimSlot(Object session, long nowNanos) {
        if (!singleSession || slotHolder == null || slotHolder == session
                || (slotOrphaned && nowNanos - slotExpiresNanos >= 0)) {
            slotHolder = session;
            slotOrphaned = false;
            return true;
        }
        return false;
    }

    /** TEARDOWN: the slot is free. */
    synchronized void releaseSlot(Object session) {
        if (slotHolder == session) {
            slotHolder = null;
        }
    }

    /** The client went away without TEARDOWN: the slot stays held until {@code expiresNanos}. */
    synchronized void orphanSlot(Object session, long expiresNanos) {
        if (slotHolder == session && !slotOrphaned) {
            slotOrphaned = true;
            slotExpiresNanos = expiresNanos;
        }
    }

    /** Sessions that have done SETUP and whose connection is still open. */
    public int sessionCount() {
        return sessions.size();
    }

    boolean isSilent() {
        return silent;
    }

    /** True once after {@link #hangUpMidPicture()}: the caller is the session that hangs up. */
    boolean takeHangUpMidPicture() {
        return hangUpMidPicture.compareAndSet(true, false);
    }

    boolean isStreamPaused() {
        return streamPaused;
    }

    boolean isGarbageInsteadOfRtsp() {
        return garbageInsteadOfRtsp;
    }

    /** The burst itself, shared: callers must not modify it. */
    byte[] garbageShared() {
        return garbage;
    }

    /** How many times {@link #injectGarbage()} was called; sessions compare it with what they saw. */
    long garbageInjections() {
        return garbageInjections.get();
    }

    /** Sum of all {@link #jumpTimestamps} so far, in 90 kHz ticks. */
    long timestampJumpTicks() {
        return timestampJumpTicks.get();
    }

    int rtpLossEvery() {
        return rtpLossEvery;
    }

    /** A duration in 90 kHz ticks, rounded toward negative infinity. */
    static long ticks(Duration duration) {
        return Math.addExact(Math.multiplyExact(duration.getSeconds(), (long) H264Packetizer.CLOCK_RATE),
                duration.getNano() * (long) H264Packetizer.CLOCK_RATE / 1_000_000_000L);
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
