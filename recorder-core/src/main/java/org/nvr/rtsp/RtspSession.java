package org.nvr.rtsp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.rtsp.RtspEncoder;
import io.netty.handler.codec.rtsp.RtspHeaderNames;
import io.netty.handler.codec.rtsp.RtspMethods;
import io.netty.handler.codec.rtsp.RtspVersions;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.config.KnownSecrets;
import org.nvr.config.Transport;
import org.nvr.config.UrlRedactor;
import org.nvr.media.CameraTime;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.rtp.CameraClock;
import org.nvr.rtp.Depacketizer;
import org.nvr.rtp.RtcpPacket;
import org.nvr.rtp.RtpPacket;
import org.nvr.rtp.RtpTrackReceiver;
import org.nvr.rtp.SenderReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One camera connection of our own RTSP client: OPTIONS, DESCRIBE (answering a 401 once with
 * {@link RtspAuthorizer}), SETUP of every track it can depacketize (RTP over the RTSP connection,
 * interleaved channels 2n and 2n+1), PLAY; then RTP to frames through one {@link RtpTrackReceiver} per
 * track, handed to the {@link RtspSessionListener}. Keep-alives at the {@code Session} header's interval
 * (OPTIONS, or GET_PARAMETER when {@code Public} lists it); no RTP for the stall timeout ends it as
 * {@code stalled}; every step is bounded by the step timeout. Before the connection closes, for whatever
 * reason, a TEARDOWN is sent when a session exists, waiting at most the teardown timeout for its answer.
 * The failure reason is exact: status codes through {@link RtspFailures}, junk instead of RTSP as
 * {@code protocol}, no connection as {@code refused}, {@code unreachable} or {@code timeout}.
 *
 * <p>RTCP on a track's odd channel (2n+1, or what the SETUP answer named) is parsed; the sender reports of
 * the video track's SSRC feed a {@link CameraClock}, whose offset from our clock ({@link
 * RtspSessionOptions#clock()}) {@link #cameraClockOffset()} gives; those of every track's SSRC go to the
 * listener as {@link CameraTime}s (the recorder aligns the tracks by them). RTCP of other SSRCs and
 * malformed RTCP are ignored. No receiver reports are sent back over TCP (cameras do without).
 *
 * <p>Over UDP ({@link RtspSessionOptions#transport()}), each track gets an even/odd port pair on the same
 * event loop ({@link UdpTrack}; {@code client_port=a-b} in SETUP); after PLAY a few packets open the way
 * through a NAT to the camera's ports, and RFC 3550 receiver reports go to its RTCP port every
 * {@value #RECEIVER_REPORT_SECONDS} s. Datagrams from other hosts are ignored, reordered packets are put
 * back in order by a bounded {@link org.nvr.rtp.ReorderBuffer}, and a picture that lost a packet is dropped
 * and counted (the next one written is a keyframe). A camera that answers a UDP SETUP with 461 ends the
 * session as transport refused, as over TCP; UDP set up and played with not one packet within the stall
 * timeout ends it as {@link SourceException#nothingOverUdp}, so that {@code transport: auto} moves to TCP.
 * {@link #stats()} counts packets received, lost and reordered and frames dropped, refreshed at least once
 * a second while playing and when the session ends.
 *
 * <p>Threads: all work is done on one event loop of the group passed in (no thread of its own, no
 * blocking call); {@link #open} and {@link #close()} may be called from any thread. The session owns its
 * channel; the caller owns the group. URLs given to it never hold credentials, which travel only in
 * {@code Authorization} headers and never reach a log, an exception or {@link #exchange()}.
 */
public final class RtspSession implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RtspSession.class);
    /** Junk before the session plays that makes the camera a {@code protocol} failure at once. */
    private static final long MAX_JUNK_BEFORE_PLAY = 4096;
    private static final int MAX_MESSAGE = 256 * 1024;
    static final int RECEIVER_REPORT_SECONDS = 5;
    /** The longest time between two refreshes of {@link #stats()} while playing. */
    private static final long STATS_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);

    private enum Step { CONNECTING, OPTIONS, DESCRIBE, SETUP, PLAY, PLAYING, TEARDOWN, CLOSED }

    private final URI url;
    private final Optional<RtspAuthorizer> authorizer;
    private final RtspSessionOptions options;
    private final RtspSessionListener listener;
    private final EventLoop loop;
    private final Class<? extends DatagramChannel> datagramType;
    private final Promise<SourceException> closed;
    private final List<String> exchange = new CopyOnWriteArrayList<>();
    private volatile String sdpText = "";
    private volatile Duration cameraClockOffset;
    private volatile RtspSessionStats stats = RtspSessionStats.NONE;
    private volatile long bytesReceived;

    // Event loop state from here on.
    private Channel channel;
    private RtspFrameDecoder frames;
    private Step step = Step.CONNECTING;
    private int cseq;
    private FullHttpRequest pending;
    private boolean pendingIsKeepAlive;
    private boolean authRetried;
    private ScheduledFuture<?> stepTimer;
    private ScheduledFuture<?> keepAliveTimer;
    private ScheduledFuture<?> stallTimer;
    private long lastRtpNanos;
    /** Reading paused by {@link #setReading}: no stall while the owner holds the camera back. */
    private boolean readingPaused;
    private PublicMethods publicMethods = PublicMethods.parse(null);
    private ControlUrls controls;
    private final List<MediaDescription> media = new ArrayList<>();
    private final List<Track> tracks = new ArrayList<>();
    private final List<Depacketizer> depacketizers = new ArrayList<>();
    private RtpTrackReceiver[] receiversByChannel = new RtpTrackReceiver[256];
    /** Each track's receiver by its RTCP channel, for its sender reports. */
    private RtcpTrack[] rtcpByChannel = new RtcpTrack[256];
    /** The index of each track set up over UDP. */
    private final Map<UdpTrack, Integer> udpIndexes = new IdentityHashMap<>();
    private CameraClock cameraClock;
    private final List<UdpTrack> udpTracks = new ArrayList<>();
    /** The port pair bound for the SETUP in flight over UDP. */
    private UdpTrack settingUp;
    private final UdpTrack.Owner udpOwner = new UdpOwner();
    private final int ourSsrc = ThreadLocalRandom.current().nextInt();
    private ScheduledFuture<?> reportTimer;
    private long rtpPackets;
    /** Bytes read from the RTSP connection: answers, interleaved framing, RTP and RTCP. */
    private long tcpBytes;
    private boolean rtpSeen;
    private int setUpCount;
    private SessionHeader session;
    private SourceException ending;

    private RtspSession(EventLoop loop, Class<? extends DatagramChannel> datagramType, URI url,
                        Optional<Credentials> credentials, RtspSessionOptions options, RtspSessionListener listener) {
        this.loop = loop;
        this.datagramType = datagramType;
        this.url = url;
        this.authorizer = credentials.map(RtspAuthorizer::new);
        this.options = options;
        this.listener = listener;
        this.closed = loop.newPromise();
    }

    /**
     * Connects to {@code url} and starts the handshake; returns at once.
     *
     * @param url         {@code rtsp://host[:port]/path} without user info
     * @param credentials the camera's user and password, if it needs them
     */
    public static RtspSession open(EventLoopGroup group, URI url, Optional<Credentials> credentials,
                                   RtspSessionOptions options, RtspSessionListener listener) {
        if (url.getRawUserInfo() != null) {
            throw new IllegalArgumentException("the URL must not hold credentials; pass them separately");
        }
        if (!"rtsp".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("not an rtsp://host/path URL: " + KnownSecrets.redact(url.toString()));
        }
        RtspSession session = new RtspSession(group.next(), RtspTransports.datagramChannel(group), url, credentials,
                options, listener);
        session.loop.execute(() -> session.connect(group));
        return session;
    }

    /** Completes when the connection has closed, with the reason also given to {@code onClosed}. */
    public Future<SourceException> closeFuture() {
        return closed;
    }

    /**
     * The requests sent and status lines received so far ({@code > DESCRIBE rtsp://host/path},
     * {@code < RTSP/1.0 200 OK}), without credentials. Any thread.
     */
    public List<String> exchange() {
        return List.copyOf(exchange);
    }

    /** The DESCRIBE answer's SDP as sent (credentials removed), empty before it arrived. Any thread. */
    public String sdp() {
        return sdpText;
    }

    /**
     * The camera clock's offset from ours (camera minus ours; positive when the camera is ahead) at the
     * video track's latest RTCP sender report, empty until one arrived. Any thread. See {@link CameraClock}.
     */
    public Optional<Duration> cameraClockOffset() {
        return Optional.ofNullable(cameraClockOffset);
    }

    /**
     * Bytes the camera sent so far as they came off the wire, above TCP and UDP: over TCP every byte of
     * the RTSP connection (answers, {@code $} framing, RTP and RTCP with their headers), over UDP every
     * datagram of the camera's RTP and RTCP ports; refreshed with {@link #stats()}. Any thread.
     */
    public long bytesReceived() {
        return bytesReceived;
    }

    /** Packets received, lost and reordered, frames dropped: refreshed about once a second and at the end. Any thread. */
    public RtspSessionStats stats() {
        return stats;
    }

    /** Our UDP RTP ports, one per track set up over UDP (RTCP is each plus one): for tests. */
    List<Integer> udpPorts() {
        return onLoop(() -> udpTracks.stream().map(UdpTrack::rtpPort).toList());
    }

    /** Datagrams ignored for coming from another host than the camera's: for tests. */
    long udpStrangers() {
        return onLoop(() -> udpTracks.stream().mapToLong(UdpTrack::strangers).sum());
    }

    private <T> T onLoop(Callable<T> task) {
        Future<T> result = loop.submit(task);
        if (!result.awaitUninterruptibly(5, TimeUnit.SECONDS) || !result.isSuccess()) {
            throw new IllegalStateException("the event loop did not answer", result.cause());
        }
        return result.getNow();
    }

    /**
     * Stops ({@code false}) or resumes reading the camera's connection: back-pressure from a writer that
     * fell behind. While paused the socket's buffers fill and TCP makes the camera wait; nothing is
     * dropped, and the quiet is ours, not the camera's: it does not count towards the stall timeout. Over
     * UDP the RTP ports are not read either, so what waits stays bounded: the kernel drops what does not
     * fit in its buffer, which is counted as loss (pictures that lost a packet are dropped whole). Any
     * thread.
     */
    public void setReading(boolean read) {
        Runnable set = () -> {
            if (channel != null && step != Step.CLOSED) {
                channel.config().setAutoRead(read);
                for (UdpTrack udp : udpTracks) {
                    udp.setReading(read);
                }
                readingPaused = !read;
                lastRtpNanos = loop.ticker().nanoTime();
            }
        };
        if (loop.inEventLoop()) {
            set.run(); // from a listener call: the read in progress stops after the bytes it has
        } else {
            loop.execute(set);
        }
    }

    /** Ends the session ({@code shutdown}): TEARDOWN if one is set up, then the connection closes. Safe twice. */
    @Override
    public void close() {
        loop.execute(() -> end(new SourceException(FailureReason.SHUTDOWN, "closed by the recorder")));
    }

    private void connect(EventLoopGroup group) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(RtspTransports.socketChannel(group))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.stepTimeout().toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                // Netty 4.2's default (adaptive) allocator does not pool the up-to-64 KB read buffers of a
                // paced loop: each read allocated, zeroed and freed a direct chunk (profile of issue 14).
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        frames = new RtspFrameDecoder();
                        ch.pipeline().addLast(new WireBytes(), frames, RtspFrameDecoder.messageDecoder(),
                                new HttpObjectAggregator(MAX_MESSAGE), new RtspEncoder(), new Handler());
                    }
                });
        int port = url.getPort() < 0 ? 554 : url.getPort();
        ChannelFuture connecting = bootstrap.connect(url.getHost(), port);
        channel = connecting.channel();
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                finish(connectFailure(f.cause()));
            } else if (step == Step.CONNECTING) {
                send(RtspMethods.OPTIONS, url.toString(), Step.OPTIONS);
            }
        });
    }

    private static SourceException connectFailure(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return new SourceException(FailureReason.TIMEOUT, "connecting timed out", cause);
        }
        if (cause instanceof UnknownHostException || cause instanceof NoRouteToHostException) {
            return new SourceException(FailureReason.UNREACHABLE, "the camera cannot be reached", cause);
        }
        if (cause instanceof ConnectException) {
            return new SourceException(FailureReason.REFUSED, "the camera refused the connection", cause);
        }
        return new SourceException(FailureReason.UNREACHABLE, "connecting failed", cause);
    }

    private void send(HttpMethod method, String uri, Step next) {
        step = next;
        pendingIsKeepAlive = false;
        authRetried = false;
        write(request(method, uri));
    }

    private FullHttpRequest request(HttpMethod method, String uri) {
        FullHttpRequest request = new DefaultFullHttpRequest(RtspVersions.RTSP_1_0, method, uri, Unpooled.EMPTY_BUFFER);
        request.headers().set(RtspHeaderNames.USER_AGENT, options.userAgent());
        if (method == RtspMethods.DESCRIBE) {
            request.headers().set(RtspHeaderNames.ACCEPT, "application/sdp");
        }
        if (session != null) {
            request.headers().set(RtspHeaderNames.SESSION, session.id());
        }
        return request;
    }

    /** Sends {@code request} (a fresh CSeq and Authorization each time) and bounds the wait for its answer. */
    private void write(FullHttpRequest request) {
        pending = request;
        request.headers().set(RtspHeaderNames.CSEQ, String.valueOf(++cseq));
        authorizer.flatMap(a -> a.authorization(request.method().name(), request.uri()))
                .ifPresent(value -> request.headers().set(RtspHeaderNames.AUTHORIZATION, value));
        exchange.add("> " + request.method() + " " + KnownSecrets.redact(request.uri()));
        cancel(stepTimer);
        stepTimer = loop.schedule(this::stepTimedOut, options.stepTimeout().toNanos(), TimeUnit.NANOSECONDS);
        channel.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                finish(new SourceException(FailureReason.EOF, "sending " + request.method() + " failed", f.cause()));
            }
        });
    }

    private void stepTimedOut() {
        if (pending == null) {
            return;
        }
        String method = pending.method().name();
        pending = null;
        if (pendingIsKeepAlive) {
            log.debug("{}: keep-alive {} not answered within {}", redactedUrl(), method, options.stepTimeout());
            return;
        }
        if (step == Step.TEARDOWN) {
            finish(ending);
        } else if (frames.junkBytes() > 0) {
            end(RtspFailures.notRtsp(frames.junkBytes()));
        } else {
            end(new SourceException(FailureReason.TIMEOUT, method + " not answered within " + options.stepTimeout()));
        }
    }

    private void onResponse(FullHttpResponse response) {
        int status = response.status().code();
        exchange.add("< " + response.protocolVersion() + " " + status + " " + response.status().reasonPhrase());
        if (pending == null) {
            return; // late answer to a request whose wait already ended
        }
        FullHttpRequest request = pending;
        pending = null;
        cancel(stepTimer);
        if (step == Step.TEARDOWN) {
            finish(ending);
            return;
        }
        if (pendingIsKeepAlive) {
            pendingIsKeepAlive = false;
            return;
        }
        if (status == 401 && !authRetried && authorizer.isPresent()
                && authorizer.get().challenge(AuthChallenge.parseAll(response.headers().getAll(RtspHeaderNames.WWW_AUTHENTICATE)))) {
            authRetried = true;
            FullHttpRequest again = request(request.method(), request.uri());
            write(again);
            return;
        }
        if (status < 200 || status >= 300) {
            end(RtspFailures.forStatus(request.method().name(), status, response.status().reasonPhrase()));
            return;
        }
        try {
            switch (step) {
                case OPTIONS -> {
                    publicMethods = PublicMethods.parse(response.headers().get(RtspHeaderNames.PUBLIC));
                    send(RtspMethods.DESCRIBE, url.toString(), Step.DESCRIBE);
                }
                case DESCRIBE -> described(response);
                case SETUP -> setUp(response);
                case PLAY -> playing();
                default -> {
                }
            }
        } catch (SourceException e) {
            end(e);
        }
    }

    private void described(FullHttpResponse response) throws SourceException {
        String text = response.content().toString(StandardCharsets.UTF_8);
        sdpText = KnownSecrets.redact(text);
        Sdp sdp = Sdp.parse(text);
        controls = new ControlUrls(url.toString(), response.headers().get(RtspHeaderNames.CONTENT_BASE),
                response.headers().get(RtspHeaderNames.CONTENT_LOCATION), sdp.control());
        for (String skipped : sdp.skipped()) {
            log.info("{}: media section skipped: {}", redactedUrl(), skipped);
        }
        for (MediaDescription section : sdp.media()) {
            if (section.codec().isEmpty() || section.clockRate() <= 0) {
                log.info("{}: no depacketizer for {} payload {}", redactedUrl(), section.media(), section.encodingName());
                continue;
            }
            Track track = section.toTrack(tracks.size());
            Optional<Depacketizer> depacketizer = Depacketizers.forMedia(section, track);
            if (depacketizer.isEmpty()) {
                log.info("{}: no depacketizer for {} yet; track left out", redactedUrl(), track.codec().ffmpegName());
                continue;
            }
            media.add(section);
            tracks.add(track);
            depacketizers.add(depacketizer.get());
        }
        if (tracks.stream().noneMatch(t -> t.codec().isVideo())) {
            throw new SourceException(FailureReason.NO_VIDEO, "the stream has no video track the client can receive");
        }
        setUpNext();
    }

    private void setUpNext() {
        int index = setUpCount;
        step = Step.SETUP;
        if (options.transport() == Transport.UDP) {
            Track track = tracks.get(index);
            RtpTrackReceiver receiver = new RtpTrackReceiver(media.get(index).payloadType(), depacketizers.get(index));
            InetAddress local = ((InetSocketAddress) channel.localAddress()).getAddress();
            UdpTrack.bind(loop, datagramType, local, receiver, track.clockRate(),
                    track.codec().isVideo()).addListener(f -> {
                        UdpTrack bound = (UdpTrack) f.getNow();
                        if (step != Step.SETUP) {
                            if (bound != null) {
                                bound.close();
                            }
                        } else if (!f.isSuccess()) {
                            end(new SourceException(FailureReason.ERROR, "no UDP ports for RTP", f.cause()));
                        } else {
                            settingUp = bound;
                            sendSetUp(index, "RTP/AVP;unicast;client_port=" + bound.rtpPort() + "-" + bound.rtcpPort());
                        }
                    });
            return;
        }
        sendSetUp(index, "RTP/AVP/TCP;unicast;interleaved=" + (2 * index) + "-" + (2 * index + 1));
    }

    private void sendSetUp(int index, String transport) {
        FullHttpRequest request = request(RtspMethods.SETUP, controls.media(media.get(index).control()));
        request.headers().set(RtspHeaderNames.TRANSPORT, transport);
        pendingIsKeepAlive = false;
        authRetried = false;
        write(request);
    }

    private void setUp(FullHttpResponse response) throws SourceException {
        String sessionValue = response.headers().get(RtspHeaderNames.SESSION);
        if (session == null) {
            if (sessionValue == null || sessionValue.isBlank()) {
                throw new SourceException(FailureReason.PROTOCOL, "SETUP answered without a Session header");
            }
            session = SessionHeader.parse(sessionValue);
        }
        int index = setUpCount;
        String transport = response.headers().get(RtspHeaderNames.TRANSPORT);
        TransportHeader answer;
        try {
            answer = transport == null ? null : TransportHeader.parse(transport);
        } catch (IllegalArgumentException e) {
            throw new SourceException(FailureReason.PROTOCOL, "SETUP answered with a Transport header we cannot read: "
                    + e.getMessage());
        }
        Track track = tracks.get(index);
        UdpTrack udp = settingUp;
        settingUp = null;
        if (udp != null && (answer == null || answer.interleaved() == null)) {
            InetAddress camera = ((InetSocketAddress) channel.remoteAddress()).getAddress();
            udp.start(camera, answer == null ? null : answer.serverPorts(), udpOwner);
            udpTracks.add(udp);
            udpIndexes.put(udp, index);
            if (cameraClock == null && track.codec().isVideo()) {
                cameraClock = new CameraClock(options.clock(), track.clockRate());
            }
        } else {
            if (udp != null) {
                udp.close(); // asked for UDP, answered with interleaved channels: take it as it comes
            }
            TransportHeader.Pair interleaved = answer == null ? null : answer.interleaved();
            int rtpChannel = interleaved == null ? 2 * index : interleaved.rtp();
            int rtcpChannel = interleaved == null ? 2 * index + 1 : interleaved.rtcp();
            RtpTrackReceiver receiver = new RtpTrackReceiver(media.get(index).payloadType(), depacketizers.get(index));
            receiversByChannel[rtpChannel & 0xff] = receiver;
            if (rtcpChannel != rtpChannel) {
                boolean clock = cameraClock == null && track.codec().isVideo();
                if (clock) {
                    cameraClock = new CameraClock(options.clock(), track.clockRate());
                }
                rtcpByChannel[rtcpChannel & 0xff] = new RtcpTrack(index, track.clockRate(), receiver, clock);
            }
        }
        setUpCount++;
        if (setUpCount < media.size()) {
            setUpNext();
            return;
        }
        listener.onTracks(List.copyOf(tracks));
        FullHttpRequest play = request(RtspMethods.PLAY, controls.session());
        play.headers().set(RtspHeaderNames.RANGE, "npt=0.000-");
        step = Step.PLAY;
        authRetried = false;
        write(play);
    }

    private void playing() {
        step = Step.PLAYING;
        lastRtpNanos = loop.ticker().nanoTime();
        // also refreshes stats(): at least once a second, for the camera's meters, whatever the stall timeout
        long check = Math.min(options.stallTimeout().toNanos() / 4, STATS_PERIOD_NANOS);
        stallTimer = loop.scheduleAtFixedRate(this::checkStall, check, check, TimeUnit.NANOSECONDS);
        Duration every = session.keepAliveInterval();
        keepAliveTimer = loop.scheduleAtFixedRate(this::keepAlive, every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS);
        if (!udpTracks.isEmpty()) {
            for (UdpTrack udp : udpTracks) {
                udp.punch(ourSsrc);
            }
            reportTimer = loop.scheduleAtFixedRate(this::sendReceiverReports, RECEIVER_REPORT_SECONDS,
                    RECEIVER_REPORT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private void checkStall() {
        refreshStats();
        if (step == Step.PLAYING && !readingPaused
                && loop.ticker().nanoTime() - lastRtpNanos >= options.stallTimeout().toNanos()) {
            if (!udpTracks.isEmpty() && !rtpSeen) {
                end(SourceException.nothingOverUdp("UDP set up but no RTP arrived in " + options.stallTimeout()
                        + " (a router or firewall dropping UDP?)"));
            } else {
                end(new SourceException(FailureReason.STALLED, "no RTP for " + options.stallTimeout()));
            }
        }
    }

    private void sendReceiverReports() {
        try {
            for (UdpTrack udp : udpTracks) {
                udp.sendReceiverReport(ourSsrc);
            }
        } catch (RuntimeException e) {
            log.warn("{}: sending RTCP receiver reports failed", redactedUrl(), e); // a periodic task must not throw
        }
    }

    /** Publishes the counters for other threads; on the event loop. */
    private void refreshStats() {
        long lost = 0;
        long reordered = 0;
        long dropped = 0;
        for (RtpTrackReceiver receiver : receiversByChannel) {
            if (receiver != null) {
                lost += receiver.sequence().lost();
            }
        }
        for (UdpTrack udp : udpTracks) {
            lost += udp.receiver().sequence().lost();
            reordered += udp.reorder().reordered();
        }
        for (Depacketizer depacketizer : depacketizers) {
            dropped += depacketizer.droppedFrames();
        }
        stats = new RtspSessionStats(rtpPackets, lost, reordered, dropped);
        long bytes = tcpBytes;
        for (UdpTrack udp : udpTracks) {
            bytes += udp.bytes();
        }
        bytesReceived = bytes;
    }

    private void keepAlive() {
        if (step != Step.PLAYING || pending != null) {
            return;
        }
        HttpMethod method = publicMethods.supports("GET_PARAMETER") ? RtspMethods.GET_PARAMETER : RtspMethods.OPTIONS;
        FullHttpRequest request = request(method, method == RtspMethods.OPTIONS ? url.toString() : controls.session());
        request.headers().set(RtspHeaderNames.SESSION, session.id());
        pendingIsKeepAlive = true;
        write(request);
    }

    private void onInterleaved(int channelNumber, ByteBuf payload) {
        if (step != Step.PLAYING && step != Step.PLAY) {
            return;
        }
        RtcpTrack rtcpTrack = rtcpByChannel[channelNumber & 0xff];
        if (rtcpTrack != null) {
            onRtcp(rtcpTrack, payload);
            return;
        }
        RtpTrackReceiver receiver = receiversByChannel[channelNumber & 0xff];
        if (receiver == null) {
            return; // another track's RTCP, or a channel never set up (a camera quirk): ignored
        }
        RtpPacket packet = RtpPacket.parse(payload);
        if (packet == null) {
            return;
        }
        lastRtpNanos = loop.ticker().nanoTime();
        rtpPackets++;
        receiver.receive(packet, this::deliver);
    }

    /** A track's RTCP channel, with what its sender reports are for. */
    private record RtcpTrack(int index, int clockRate, RtpTrackReceiver receiver, boolean cameraClock) {
    }

    /**
     * A sender report of a track's SSRC goes to the listener as the camera's time of one of the track's
     * timestamps, and the video track's moves the camera clock on; anything else is ignored.
     */
    private void onRtcp(RtcpTrack track, ByteBuf payload) {
        RtcpPacket rtcp = RtcpPacket.parse(payload);
        if (rtcp == null) {
            log.debug("{}: RTCP skipped: {}", redactedUrl(), RtcpPacket.rejection(payload));
            return;
        }
        for (SenderReport report : rtcp.senderReports()) {
            OptionalLong extended = track.receiver().extendForReport(report);
            if (extended.isPresent()) {
                if (track.cameraClock()) {
                    cameraClock.senderReport(report, extended.getAsLong());
                    cameraClockOffset = cameraClock.offset().orElse(null);
                }
                cameraTime(new CameraTime(track.index(), extended.getAsLong(), track.clockRate(), report.ntpTime()));
            }
        }
    }

    private void cameraTime(CameraTime time) {
        try {
            listener.onCameraTime(time);
        } catch (RuntimeException e) {
            log.warn("{}: camera time listener failed", redactedUrl(), e);
        }
    }

    private void deliver(Frame frame) {
        try {
            listener.onFrame(frame);
        } catch (RuntimeException e) {
            log.warn("{}: frame listener failed", redactedUrl(), e);
        }
    }

    /**
     * Ends the session for {@code reason}: TEARDOWN first when a session was set up and the connection is
     * still open, bounded by the teardown timeout; otherwise the connection closes at once.
     */
    private void end(SourceException reason) {
        if (step == Step.TEARDOWN || step == Step.CLOSED) {
            return;
        }
        ending = reason;
        cancel(keepAliveTimer);
        cancel(stallTimer);
        cancel(reportTimer);
        if (session != null && channel != null && channel.isActive()) {
            step = Step.TEARDOWN;
            pendingIsKeepAlive = false;
            FullHttpRequest teardown = request(RtspMethods.TEARDOWN, controls.session());
            teardown.headers().set(RtspHeaderNames.SESSION, session.id());
            write(teardown);
            cancel(stepTimer);
            stepTimer = loop.schedule(() -> finish(ending), options.teardownTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } else {
            finish(reason);
        }
    }

    private void finish(SourceException reason) {
        if (step == Step.CLOSED) {
            return;
        }
        step = Step.CLOSED;
        cancel(stepTimer);
        cancel(keepAliveTimer);
        cancel(stallTimer);
        cancel(reportTimer);
        for (UdpTrack udp : udpTracks) {
            udp.close();
        }
        if (settingUp != null) {
            settingUp.close();
            settingUp = null;
        }
        refreshStats();
        if (pending != null) {
            pending = null;
        }
        if (channel != null) {
            channel.close();
        }
        if (reason.reason() != FailureReason.SHUTDOWN) {
            log.info("{}: session ended ({}): {}", redactedUrl(), reason.reason().label(), reason.getMessage());
        }
        try {
            listener.onClosed(reason);
        } finally {
            closed.trySuccess(reason);
        }
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private String redactedUrl() {
        return KnownSecrets.redact(url.toString());
    }

    /** What the UDP tracks hand the session, on the event loop. */
    private final class UdpOwner implements UdpTrack.Owner {

        @Override
        public void rtpArrived() {
            lastRtpNanos = loop.ticker().nanoTime();
            rtpSeen = true;
            rtpPackets++;
        }

        @Override
        public void frame(Frame frame) {
            if (step == Step.PLAYING || step == Step.PLAY) {
                deliver(frame);
            }
        }

        @Override
        public void senderReport(UdpTrack track, SenderReport report) {
            OptionalLong extended = track.receiver().extendForReport(report);
            Integer index = udpIndexes.get(track);
            if (extended.isEmpty() || index == null) {
                return;
            }
            if (track.video() && cameraClock != null) {
                cameraClock.senderReport(report, extended.getAsLong());
                cameraClockOffset = cameraClock.offset().orElse(null);
            }
            cameraTime(new CameraTime(index, extended.getAsLong(), tracks.get(index).clockRate(), report.ntpTime()));
        }
    }

    /** The first handler of the pipeline: counts what the connection reads, on the event loop. */
    private final class WireBytes extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                tcpBytes += buf.readableBytes();
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** The last handler of the pipeline: RTSP answers and interleaved frames, on the event loop. */
    private final class Handler extends SimpleChannelInboundHandler<Object> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof InterleavedFrame frame) {
                onInterleaved(frame.channel(), frame.content());
            } else if (msg instanceof FullHttpMessage message && message.decoderResult().isFailure()) {
                end(RtspFailures.notRtsp(Math.max(1, frames.junkBytes())));
            } else if (msg instanceof FullHttpResponse response) {
                onResponse(response);
            } // a request of the camera's own (ANNOUNCE, OPTIONS) is not answered
            if (step != Step.PLAYING && step != Step.CLOSED && step != Step.TEARDOWN
                    && frames.junkBytes() > MAX_JUNK_BEFORE_PLAY) {
                end(RtspFailures.notRtsp(frames.junkBytes()));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (step == Step.TEARDOWN) {
                finish(ending);
            } else if (frames.junkBytes() > 0 && step != Step.PLAYING) {
                finish(RtspFailures.notRtsp(frames.junkBytes()));
            } else {
                finish(new SourceException(FailureReason.EOF, "the camera closed the connection"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException) {
                finish(new SourceException(FailureReason.EOF, "the connection failed", cause));
            } else {
                // Name the cause: a decoder's complaint is the camera's junk, anything else may be our own bug,
                // and either way the one log line of the session's end must say which.
                Throwable named = cause instanceof DecoderException && cause.getCause() != null
                        ? cause.getCause() : cause;
                end(new SourceException(FailureReason.PROTOCOL, "the camera's answer could not be read ("
                        + UrlRedactor.redact(String.valueOf(named)) + ")", cause));
            }
        }
    }
}
