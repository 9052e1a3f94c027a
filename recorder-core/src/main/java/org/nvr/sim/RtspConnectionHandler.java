package org.nvr.sim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.rtsp.RtspHeaderNames;
import io.netty.handler.codec.rtsp.RtspMethods;
import io.netty.handler.codec.rtsp.RtspResponseStatuses;
import io.netty.handler.codec.rtsp.RtspVersions;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.nvr.config.UrlRedactor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the RTSP requests of one client connection and owns the one media session it may set up:
 * OPTIONS, DESCRIBE, SETUP (interleaved TCP or unicast UDP), PLAY, TEARDOWN and GET/SET_PARAMETER
 * as keepalives. Applies the camera's fault switches before anything else: silence, unavailability,
 * garbage instead of a reply, authentication.
 *
 * <p>One instance per connection, confined to the connection's event loop. Owns the session's
 * {@link RtpStreamer} and stops it when the session or the connection ends.
 */
final class RtspConnectionHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(RtspConnectionHandler.class);
    private static final String PUBLIC_METHODS =
            "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER, SET_PARAMETER";
    private static final String SERVER = "nvr-rtsp-simulator";

    private final RtspCameraSimulator server;

    private String sessionId;
    private SimulatedCamera sessionCamera;
    private RtpSink sink;
    private H264Packetizer packetizer;
    private RtpStreamer streamer;

    RtspConnectionHandler(RtspCameraSimulator server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            log.debug("bad RTSP request from {}: {}", ctx.channel().remoteAddress(),
                    request.decoderResult().cause().toString());
            ctx.writeAndFlush(response(request, RtspResponseStatuses.BAD_REQUEST))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        HttpMethod method = request.method();
        SimulatedCamera camera = server.resolve(request.uri());
        log.debug("{} {} from {}", method, UrlRedactor.redact(request.uri()), ctx.channel().remoteAddress());

        if (camera != null) {
            if (camera.isSilent()) {
                return;
            }
            if (!camera.isAvailable()) {
                ctx.close();
                return;
            }
            if (camera.isGarbageInsteadOfRtsp()) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(camera.garbageShared()))
                        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                return;
            }
        }
        if (method.equals(RtspMethods.OPTIONS)) {
            FullHttpResponse response = response(request, RtspResponseStatuses.OK);
            response.headers().set(RtspHeaderNames.PUBLIC, PUBLIC_METHODS);
            write(ctx, response);
            return;
        }
        if (camera == null) {
            write(ctx, response(request, RtspResponseStatuses.NOT_FOUND));
            return;
        }
        RtspAuthenticator authenticator = camera.authenticator();
        if (authenticator != null
                && !authenticator.accepts(method.name(), request.headers().get(RtspHeaderNames.AUTHORIZATION))) {
            FullHttpResponse response = response(request, RtspResponseStatuses.UNAUTHORIZED);
            response.headers().set(RtspHeaderNames.WWW_AUTHENTICATE, authenticator.challenge());
            write(ctx, response);
            return;
        }
        if (method.equals(RtspMethods.DESCRIBE)) {
            describe(ctx, request, camera);
        } else if (method.equals(RtspMethods.SETUP)) {
            setup(ctx, request, camera);
        } else if (!sessionMatches(request)) {
            write(ctx, response(request, RtspResponseStatuses.SESSION_NOT_FOUND));
        } else if (method.equals(RtspMethods.PLAY)) {
            play(ctx, request);
        } else if (method.equals(RtspMethods.TEARDOWN)) {
            teardown(ctx, request);
        } else if (method.equals(RtspMethods.GET_PARAMETER) || method.equals(RtspMethods.SET_PARAMETER)) {
            write(ctx, withSession(response(request, RtspResponseStatuses.OK)));
        } else {
            write(ctx, response(request, RtspResponseStatuses.NOT_IMPLEMENTED));
        }
    }

    private void describe(ChannelHandlerContext ctx, FullHttpRequest request, SimulatedCamera camera) {
        byte[] sdp = Sdp.describe(camera, ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE),
                server.url(camera.path())).getBytes(StandardCharsets.US_ASCII);
        FullHttpResponse response = response(request, RtspResponseStatuses.OK, Unpooled.wrappedBuffer(sdp));
        response.headers().set(RtspHeaderNames.CONTENT_TYPE, "application/sdp");
        String base = server.url(camera.path()) + "/";
        response.headers().set(RtspHeaderNames.CONTENT_BASE,
                camera.has(Quirk.SCHEMELESS_CONTENT_BASE) ? base.substring("rtsp://".length()) : base);
        write(ctx, response);
    }

    private void setup(ChannelHandlerContext ctx, FullHttpRequest request, SimulatedCamera camera) {
        if (sessionId != null && !sessionMatches(request)) {
            write(ctx, response(request, RtspResponseStatuses.SESSION_NOT_FOUND));
            return;
        }
        if (streamer != null) {
            write(ctx, withSession(response(request, RtspResponseStatuses.METHOD_NOT_VALID)));
            return;
        }
        RtpSink chosen = null;
        for (TransportSpec spec : TransportSpec.parse(request.headers().get(RtspHeaderNames.TRANSPORT))) {
            chosen = sinkFor(ctx, spec, camera);
            if (chosen != null) {
                break;
            }
        }
        if (chosen == null) {
            write(ctx, response(request, RtspResponseStatuses.UNSUPPORTED_TRANSPORT));
            return;
        }
        if (!camera.claimSlot(this, ctx.executor().ticker().nanoTime())) {
            write(ctx, response(request, RtspResponseStatuses.NOT_ENOUGH_BANDWIDTH));
            return;
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (sessionId == null) {
            sessionId = HexFormat.of().toHexDigits(random.nextLong()).toUpperCase();
            if (camera.has(Quirk.SESSION_TIMEOUT_ODD_CASE)) {
                sessionId = "sEsS" + sessionId.toLowerCase() + "Id";
            }
        }
        sink = chosen;
        sessionCamera = camera;
        packetizer = new H264Packetizer(random.nextInt(), random.nextInt(0x10000));
        packetizer.quirks(camera.has(Quirk.ANNEX_B_IN_SINGLE_NAL_PACKETS), camera.has(Quirk.MARKER_ON_SEI));
        camera.attach(ctx.channel());

        FullHttpResponse response = response(request, RtspResponseStatuses.OK);
        response.headers().set(RtspHeaderNames.TRANSPORT, sink.transportHeader() + ";ssrc="
                + HexFormat.of().toHexDigits(packetizer.ssrc()).toUpperCase());
        response.headers().set(RtspHeaderNames.SESSION, camera.has(Quirk.SESSION_TIMEOUT_ODD_CASE)
                ? sessionId + " ;TimeOut = " + server.sessionTimeout().toSeconds()
                : sessionId + ";timeout=" + server.sessionTimeout().toSeconds());
        write(ctx, response);
    }

    private RtpSink sinkFor(ChannelHandlerContext ctx, TransportSpec spec, SimulatedCamera camera) {
        if (spec.multicast()) {
            return null;
        }
        if (spec.tcp()) {
            if (!server.tcpEnabled()) {
                return null; // a UDP-only server: 461 unless the client offers UDP too
            }
            int rtp = spec.firstPort() >= 0 ? spec.firstPort() : 0;
            int rtcp = spec.secondPort() >= 0 ? spec.secondPort() : rtp + 1;
            if (rtp > 255 || rtcp > 255) {
                return null;
            }
            return new InterleavedSink(ctx.channel(), rtp, rtcp);
        }
        UdpRtpPorts ports = server.udpPorts();
        if (ports == null || spec.firstPort() <= 0 || spec.secondPort() <= 0) {
            return null;
        }
        InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
        UdpSink udp = new UdpSink(ports.rtp(), ports.rtcp(),
                new InetSocketAddress(peer.getAddress(), spec.firstPort()),
                new InetSocketAddress(peer.getAddress(), spec.secondPort()));
        return camera.isUdpBlackhole() ? new BlackholeSink(udp) : udp;
    }

    private void play(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (sink == null) {
            write(ctx, response(request, RtspResponseStatuses.METHOD_NOT_VALID));
            return;
        }
        FullHttpResponse response = withSession(response(request, RtspResponseStatuses.OK));
        if (streamer == null) {
            int firstTimestamp = ThreadLocalRandom.current().nextInt();
            streamer = new RtpStreamer(sessionCamera, sink, packetizer, firstTimestamp,
                    ctx.executor(), server.clock());
            response.headers().set(RtspHeaderNames.RANGE, "npt=0.000-");
            response.headers().set(RtspHeaderNames.RTP_INFO, "url=" + server.url(sessionCamera.path())
                    + "/" + Sdp.TRACK + ";seq=" + packetizer.nextSequence()
                    + ";rtptime=" + Integer.toUnsignedString(firstTimestamp));
            write(ctx, response);
            // Queued after the reply, on this same loop, so the client sees the reply first.
            streamer.start();
            log.debug("camera {}: session {} playing to {}", sessionCamera.path(), sessionId,
                    ctx.channel().remoteAddress());
        } else {
            write(ctx, response);
        }
    }

    private void teardown(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse response = withSession(response(request, RtspResponseStatuses.OK));
        if (sessionCamera != null) {
            sessionCamera.releaseSlot(this);
        }
        endSession(ctx);
        write(ctx, response);
    }

    private void endSession(ChannelHandlerContext ctx) {
        if (streamer != null) {
            streamer.stop();
            streamer = null;
        }
        if (sessionCamera != null) {
            sessionCamera.detach(ctx.channel());
        }
        sink = null;
        packetizer = null;
        sessionCamera = null;
        sessionId = null;
    }

    /** Requests without a Session header are tolerated; a wrong one is not. */
    private boolean sessionMatches(FullHttpRequest request) {
        String header = request.headers().get(RtspHeaderNames.SESSION);
        if (header == null) {
            return true;
        }
        int semicolon = header.indexOf(';');
        String id = (semicolon < 0 ? header : header.substring(0, semicolon)).trim();
        return id.equals(sessionId);
    }

    private FullHttpResponse withSession(FullHttpResponse response) {
        if (sessionId != null) {
            response.headers().set(RtspHeaderNames.SESSION, sessionId);
        }
        return response;
    }

    private static FullHttpResponse response(FullHttpRequest request, HttpResponseStatus status) {
        return response(request, status, Unpooled.EMPTY_BUFFER);
    }

    private static FullHttpResponse response(FullHttpRequest request, HttpResponseStatus status, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(RtspVersions.RTSP_1_0, status, body);
        String cseq = request.headers().get(RtspHeaderNames.CSEQ);
        if (cseq != null) {
            response.headers().set(RtspHeaderNames.CSEQ, cseq);
        }
        response.headers().set(RtspHeaderNames.SERVER, SERVER);
        if (body.isReadable()) {
            response.headers().setInt(RtspHeaderNames.CONTENT_LENGTH, body.readableBytes());
        }
        return response;
    }

    private static void write(ChannelHandlerContext ctx, FullHttpResponse response) {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            log.debug("closing RTSP connection from {}: nothing received for {}",
                    ctx.channel().remoteAddress(), server.sessionTimeout());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (sessionCamera != null) { // gone without TEARDOWN: a single-slot camera keeps the slot a while
            sessionCamera.orphanSlot(this, ctx.executor().ticker().nanoTime() + server.sessionTimeout().toNanos());
        }
        endSession(ctx);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // RTP writes use the void promise, so every write queued before the close fails here too;
        // the first failure is the one worth a line.
        if (ctx.channel().isActive()) {
            log.debug("closing RTSP connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }
}
