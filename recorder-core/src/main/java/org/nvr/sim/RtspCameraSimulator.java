package org.nvr.sim;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.rtsp.RtspEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.nvr.rtsp.InterleavedFrame;
import org.nvr.rtsp.RtspFrameDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An RTSP server on 127.0.0.1 that plays {@link SyntheticClip}s as live H.264 cameras, for the
 * {@code demo} command and for tests. Each camera is a mount path; every client that plays it gets
 * its own RTP stream starting at the clip's first keyframe, paced in real time and looping forever.
 *
 * <pre>{@code
 * SyntheticClip clip = SyntheticClip.generate(640, 360, 25, 25, 250, 1_000_000);
 * try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
 *     SimulatedCamera cam = sim.addCamera("cam-01", clip);
 *     sim.start();
 *     String url = sim.url("cam-01");          // rtsp://127.0.0.1:PORT/cam-01
 *     // ... record from url; make the camera misbehave:
 *     cam.pauseStream(true);                    // stall
 *     cam.setAvailable(false);                  // offline
 *     cam.injectGarbage();                      // junk in the middle of the stream
 *     cam.jumpTimestamps(Duration.ofSeconds(-30)); // camera clock reset
 *     cam.switchClip(otherClip);                // resolution change, new SPS in band
 *     sim.stop(); sim.start();                  // server restart, same port
 * }
 * }</pre>
 *
 * <p>Protocol: OPTIONS, DESCRIBE, SETUP with {@code RTP/AVP/TCP;interleaved} or
 * {@code RTP/AVP;unicast;client_port} (UDP), PLAY, TEARDOWN, GET_PARAMETER and SET_PARAMETER as
 * keepalives; Session header with a timeout, after which a silent connection is closed; RTP per
 * RFC 6184 (single NAL unit and FU-A packets), RTCP sender reports every 5 s; unknown paths get 404.
 * Fault switches are on {@link SimulatedCamera}.
 *
 * <p>Threads: two Netty event loop threads named {@code rtsp-simulator-N} do all network work and
 * pacing; no thread per client. The public methods may be called from any thread except those
 * event loops ({@link #start()}, {@link #stop()} and {@link #close()} block until sockets are bound
 * or closed, each step bounded by a timeout).
 *
 * <p>Ownership: the simulator owns its event loops, its listening socket, its UDP socket pair and
 * every client connection; {@link #close()} releases them all and is safe to call twice. Clips are
 * shared, not owned.
 */
public final class RtspCameraSimulator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RtspCameraSimulator.class);
    private static final Pattern PATH = Pattern.compile("[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*");
    private static final long STEP_TIMEOUT_SECONDS = 5;
    private static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(60);

    private enum State { NEW, RUNNING, STOPPED, CLOSED }

    private final InetAddress address = InetAddress.getLoopbackAddress();
    private final Map<String, SimulatedCamera> cameras = new ConcurrentHashMap<>();
    private final Clock clock;
    private final EventLoopGroup group;
    private final ChannelGroup connections;
    private volatile Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
    private volatile boolean udpEnabled = true;
    private volatile boolean tcpEnabled = true;
    private volatile Duration closeConnectionsAfter;
    private volatile int port;
    private volatile UdpRtpPorts udpPorts;
    private final UdpRtpPorts.Received udpReceived = new UdpRtpPorts.Received();
    private Channel listener;
    private State state = State.NEW;

    /** A simulator that will listen on a free port chosen at the first {@link #start()}. */
    public RtspCameraSimulator() {
        this(0, Clock.systemUTC());
    }

    /**
     * @param port  TCP port to listen on, 0 for any free port
     * @param clock wall clock for RTCP sender reports
     */
    public RtspCameraSimulator(int port, Clock clock) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.port = port;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.group = new MultiThreadIoEventLoopGroup(2,
                new DefaultThreadFactory("rtsp-simulator", true), NioIoHandler.newFactory());
        this.connections = new DefaultChannelGroup("rtsp-simulator-connections", group.next());
    }

    /**
     * Adds a camera at {@code path} (e.g. {@code cam-01} or {@code Streaming/Channels/101}); may be
     * called before or after {@link #start()}.
     *
     * @throws IllegalArgumentException if the path is malformed or already taken
     */
    public SimulatedCamera addCamera(String path, SyntheticClip clip) {
        String normalized = normalize(path);
        if (!PATH.matcher(normalized).matches() || normalized.endsWith("/" + Sdp.TRACK)) {
            throw new IllegalArgumentException("bad camera path: " + path);
        }
        SimulatedCamera camera = new SimulatedCamera(normalized, clip);
        if (cameras.putIfAbsent(normalized, camera) != null) {
            throw new IllegalArgumentException("camera path already in use: " + normalized);
        }
        return camera;
    }

    /** The camera at {@code path}. @throws IllegalArgumentException if there is none */
    public SimulatedCamera camera(String path) {
        SimulatedCamera camera = cameras.get(normalize(path));
        if (camera == null) {
            throw new IllegalArgumentException("no camera at " + path);
        }
        return camera;
    }

    /** Removes a camera; its current sessions are dropped and its path answers 404 from now on. */
    public void removeCamera(String path) {
        SimulatedCamera camera = cameras.remove(normalize(path));
        if (camera != null) {
            camera.dropSessions();
        }
    }

    /**
     * How long a connection may stay quiet (no request, no RTCP) before the server closes it;
     * announced in the SETUP reply. Default 60 s. Applies to connections accepted afterwards.
     */
    public void setSessionTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("session timeout must be positive: " + timeout);
        }
        this.sessionTimeout = timeout;
    }

    /** Whether SETUP may choose UDP; default true. Set before {@link #start()}. */
    public void setUdpEnabled(boolean enabled) {
        this.udpEnabled = enabled;
    }

    /**
     * Whether SETUP may choose RTP interleaved on the RTSP connection; default true. When false, a
     * TCP SETUP is answered 461 Unsupported Transport, as UDP-only servers (VLC's RTSP output, many
     * relays) do.
     */
    public void setTcpEnabled(boolean enabled) {
        this.tcpEnabled = enabled;
    }

    /**
     * Closes every connection this long after it was accepted, as cameras that end their sessions every N
     * minutes do; null (the default) never. Applies to connections accepted afterwards.
     */
    public void setCloseConnectionsAfter(Duration after) {
        if (after != null && (after.isNegative() || after.isZero())) {
            throw new IllegalArgumentException("must be positive: " + after);
        }
        this.closeConnectionsAfter = after;
    }

    boolean tcpEnabled() {
        return tcpEnabled;
    }

    /**
     * Starts listening, on the same port as before if the simulator was stopped (a camera restart).
     *
     * @throws IllegalStateException if the port cannot be bound or the simulator is closed
     */
    public synchronized void start() {
        if (state == State.RUNNING) {
            return;
        }
        if (state == State.CLOSED) {
            throw new IllegalStateException("simulator is closed");
        }
        try {
            ChannelFuture bound = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            initConnection(channel);
                        }
                    })
                    .bind(new InetSocketAddress(address, port));
            if (!bound.await(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS) || !bound.isSuccess()) {
                bound.channel().close();
                throw new IllegalStateException("cannot listen on " + address.getHostAddress() + ":" + port,
                        bound.cause());
            }
            listener = bound.channel();
            port = ((InetSocketAddress) listener.localAddress()).getPort();
            if (udpEnabled) {
                udpPorts = UdpRtpPorts.bind(group, address, udpReceived);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeSockets();
            throw new IllegalStateException("interrupted while starting the RTSP simulator", e);
        } catch (RuntimeException e) {
            closeSockets();
            throw e;
        }
        state = State.RUNNING;
        log.info("RTSP simulator listening on rtsp://{}:{}/ with {} camera(s)",
                address.getHostAddress(), port, cameras.size());
    }

    /**
     * Stops listening and closes every connection, like a camera that reboots; the cameras and the
     * port are kept, so {@link #start()} brings the same URLs back.
     */
    public synchronized void stop() {
        if (state != State.RUNNING) {
            return;
        }
        closeSockets();
        state = State.STOPPED;
        log.info("RTSP simulator on port {} stopped", port);
    }

    /** Stops and shuts the event loops down; safe to call twice. */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        closeSockets();
        state = State.CLOSED;
        if (!group.shutdownGracefully(0, STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .awaitUninterruptibly(STEP_TIMEOUT_SECONDS + 1, TimeUnit.SECONDS)) {
            log.warn("RTSP simulator event loops did not stop within {} s", STEP_TIMEOUT_SECONDS + 1);
        }
    }

    /** The TCP port; meaningful once {@link #start()} has bound it (or if one was given). */
    public int port() {
        return port;
    }

    /** {@code rtsp://127.0.0.1:PORT/path}. */
    public String url(String path) {
        return "rtsp://" + address.getHostAddress() + ":" + port + "/" + normalize(path);
    }

    /** {@code rtsp://user:password@127.0.0.1:PORT/path}, user and password percent-encoded. */
    public String url(String path, String user, String password) {
        return "rtsp://" + encode(user) + ":" + encode(password) + "@" + address.getHostAddress() + ":"
                + port + "/" + normalize(path);
    }

    /** Datagrams clients sent to the simulator's RTP port (NAT punching), since it was made. */
    public long udpRtpReceived() {
        return udpReceived.rtpDatagrams();
    }

    /** The last RTCP packets clients sent to the simulator's RTCP port (receiver reports), oldest first. */
    public List<byte[]> udpRtcpReceived() {
        return udpReceived.rtcp();
    }

    /** Open client connections, with or without a session. */
    public int connectionCount() {
        return connections.size();
    }

    Duration sessionTimeout() {
        return sessionTimeout;
    }

    Clock clock() {
        return clock;
    }

    UdpRtpPorts udpPorts() {
        return udpPorts;
    }

    /** One of the simulator's event loops, for schedules such as {@link FlakyScript}'s. */
    EventExecutor executor() {
        return group.next();
    }

    /** The camera a request URI names, by its aggregate or its track URL; null if none. */
    SimulatedCamera resolve(String uri) {
        String path;
        if (uri.startsWith("/")) {
            path = uri;
        } else {
            try {
                path = new URI(uri).getRawPath();
            } catch (URISyntaxException e) {
                return null;
            }
            if (path == null) {
                return null;
            }
        }
        int query = path.indexOf('?');
        path = normalize(query < 0 ? path : path.substring(0, query));
        if (path.endsWith("/*")) {
            path = path.substring(0, path.length() - 2);
        }
        SimulatedCamera camera = cameras.get(path);
        String suffix = "/" + Sdp.TRACK;
        if (camera == null && path.endsWith(suffix)) {
            camera = cameras.get(path.substring(0, path.length() - suffix.length()));
        }
        return camera;
    }

    private void initConnection(SocketChannel channel) {
        connections.add(channel);
        Duration after = closeConnectionsAfter;
        if (after != null) {
            channel.eventLoop().schedule(() -> channel.close(), after.toNanos(), TimeUnit.NANOSECONDS);
        }
        channel.pipeline()
                .addLast("idle", new IdleStateHandler(sessionTimeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast("split", new RtspFrameDecoder())
                .addLast("rtsp-decoder", RtspFrameDecoder.messageDecoder())
                .addLast("rtsp-encoder", new RtspEncoder())
                .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                .addLast("interleaved", new ClientFrames())
                .addLast("rtsp", new RtspConnectionHandler(this));
    }

    private void closeSockets() {
        if (listener != null) {
            listener.close().awaitUninterruptibly(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            listener = null;
        }
        connections.close().awaitUninterruptibly(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (udpPorts != null) {
            udpPorts.close();
            udpPorts = null;
        }
    }

    /**
     * What a client sends interleaved on its RTSP connection (RTCP receiver reports, keep-alives) is read
     * by the shared {@link RtspFrameDecoder}, then dropped here. One per connection, on its event loop.
     */
    private static final class ClientFrames extends SimpleChannelInboundHandler<InterleavedFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, InterleavedFrame frame) {
            // released by SimpleChannelInboundHandler
        }
    }

    private static String normalize(String path) {
        String p = Objects.requireNonNull(path, "path").replaceAll("/{2,}", "/");
        int from = p.startsWith("/") ? 1 : 0;
        int to = p.endsWith("/") && p.length() > from ? p.length() - 1 : p.length();
        return p.substring(from, Math.max(from, to));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
