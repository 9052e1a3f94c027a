package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.config.Transport;
import org.nvr.media.Frame;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SimulatedCamera;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Poll;

/**
 * {@link RtspSession} over UDP against the camera simulator: frames arrive, the simulator gets NAT
 * punches and RFC 3550 receiver reports, reordered packets are put back in order, lost ones cost whole
 * pictures up to the next keyframe (never a damaged one), other hosts' datagrams are ignored, 461 is
 * transport refused, and UDP that brings nothing is a failure of its own.
 */
class RtspSessionUdpTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    /** 25 fps at the RTP clock of 90 kHz. */
    private static final long TICKS_PER_FRAME = 3600;
    private static EventLoopGroup group;
    private static SyntheticClip clip;

    private RtspCameraSimulator simulator;
    private SimulatedCamera camera;
    private RtspSession session;

    @BeforeAll
    static void startLoop() {
        group = RtspTransports.newPacedGroup(1, "rtsp-udp-test", java.time.Duration.ofMillis(10));
        clip = SyntheticClip.generate(320, 240, 25, 10, 50, 300_000);
    }

    @AfterAll
    static void stopLoop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @BeforeEach
    void startSimulator() {
        simulator = new RtspCameraSimulator();
        camera = simulator.addCamera("cam", clip);
        simulator.setTcpEnabled(false); // a UDP-only server: nothing may come over the RTSP connection
        simulator.start();
    }

    @AfterEach
    void stop() {
        if (session != null) {
            session.close();
        }
        simulator.close();
    }

    @Test
    void framesArriveOverUdpAndReceiverReportsGoBack() throws Exception {
        Received received = new Received();
        session = open(RtspSessionOptions.defaults().withTransport(Transport.UDP), received);

        Poll.until(WAIT, "50 frames", () -> received.frames().size() >= 50);
        List<Frame> frames = received.frames();
        assertTrue(frames.get(0).keyframe());
        assertContiguous(frames.subList(0, 50));
        int port = session.udpPorts().get(0);
        assertEquals(0, port % 2, "RTP on an even port");
        assertTrue(simulator.udpRtpReceived() >= 1, "NAT punch to the camera's RTP port");

        // The punch is an empty RR; the one every 5 s reports on the camera's SSRC.
        Poll.until(WAIT, "a receiver report with a block", () -> reportBlocks(simulator.udpRtcpReceived()) > 0);
        byte[] report = simulator.udpRtcpReceived().stream().filter(r -> (r[0] & 0x1F) == 1).findFirst().orElseThrow();
        ByteBuf rr = Unpooled.wrappedBuffer(report);
        assertEquals(201, rr.getUnsignedByte(1));
        assertEquals(0, rr.getMedium(13), "nothing lost on loopback");
        assertTrue(rr.getUnsignedInt(16) > 0, "highest sequence number");
        assertTrue(rr.getUnsignedInt(24) != 0, "LSR: a sender report arrived at the start of the stream");
        assertEquals(202, rr.getUnsignedByte(33), "SDES follows");

        RtspSessionStats stats = session.stats();
        assertTrue(stats.packetsReceived() > 0, String.valueOf(stats));
        assertEquals(0, stats.packetsLost(), String.valueOf(stats));
        assertTrue(session.cameraClockOffset().isPresent(), "sender reports over UDP feed the camera clock");

        session.close();
        assertEquals(FailureReason.SHUTDOWN, session.closeFuture().get(5, TimeUnit.SECONDS).reason());
        Poll.until(WAIT, "the session gone from the camera", () -> camera.sessionCount() == 0);
    }

    /** The camera's meters read {@code stats()} about once a second, whatever the camera's stall timeout. */
    @Test
    void statsAreRefreshedAboutOnceASecondEvenWithALongStallTimeout() throws Exception {
        Received received = new Received();
        session = open(RtspSessionOptions.defaults().withTransport(Transport.UDP)
                .withStallTimeout(Duration.ofMinutes(2)), received);
        Poll.until(WAIT, "frames", () -> received.frames().size() >= 5);
        // a refresh per stall timeout / 4 would come after 30 s; about once a second is well within this
        Poll.until(Duration.ofSeconds(10), "packets counted", () -> session.stats().packetsReceived() > 0);
    }

    @Test
    void reorderedPacketsArePutBackInOrder() throws Exception {
        camera.setRtpSwapEvery(5);
        Received received = new Received();
        session = open(RtspSessionOptions.defaults().withTransport(Transport.UDP), received);

        Poll.until(WAIT, "60 frames", () -> received.frames().size() >= 60);
        Poll.until(WAIT, "stats", () -> session.stats().packetsReordered() > 10);
        assertContiguous(received.frames().subList(0, 60));
        RtspSessionStats stats = session.stats();
        assertEquals(0, stats.packetsLost(), String.valueOf(stats));
        assertEquals(0, stats.framesDropped(), String.valueOf(stats));
    }

    @Test
    void lostPacketsCostWholePicturesUpToTheNextKeyframe() throws Exception {
        camera.setRtpLossEvery(40);
        camera.setRtpSwapEvery(7);
        Received received = new Received();
        session = open(RtspSessionOptions.defaults().withTransport(Transport.UDP), received);

        Poll.until(WAIT, "loss counted", () -> session.stats().framesDropped() > 3 && received.frames().size() > 20);
        List<Frame> frames = received.frames();
        for (int i = 1; i < frames.size(); i++) {
            long step = frames.get(i).pts() - frames.get(i - 1).pts();
            assertTrue(step == TICKS_PER_FRAME || frames.get(i).keyframe(),
                    "after a dropped picture the next one written is a keyframe (frame " + i + ", step " + step + ")");
        }
        RtspSessionStats stats = session.stats();
        assertTrue(stats.packetsLost() > 0, String.valueOf(stats));
    }

    @Test
    void datagramsFromOtherHostsAreIgnored() throws Exception {
        Received received = new Received();
        session = open(RtspSessionOptions.defaults().withTransport(Transport.UDP), received);
        Poll.until(WAIT, "frames", () -> received.frames().size() >= 5);
        int port = session.udpPorts().get(0);

        // A stranger's stream, 20 packets of a new SSRC: taken as the camera's, the track would follow it.
        try (DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0))) {
            for (int sequence = 0; sequence < 20; sequence++) {
                byte[] packet = new byte[] {(byte) 0x80, 96, 0, (byte) sequence, 0, 0, 0, 1, 0x0B, 0x0A, 0x0D, 0,
                        0x65, 1, 2, 3};
                stranger.send(new DatagramPacket(packet, packet.length, InetAddress.getLoopbackAddress(), port));
            }
        }
        Poll.until(WAIT, "strangers counted", () -> session.udpStrangers() == 20);
        int before = received.frames().size();
        Poll.until(WAIT, "frames go on", () -> received.frames().size() >= before + 25);
        assertEquals(0, session.stats().framesDropped(), String.valueOf(session.stats()));
    }

    @Test
    void udpRefusedWith461IsTransportRefused() throws Exception {
        simulator.close();
        simulator = new RtspCameraSimulator();
        camera = simulator.addCamera("cam", clip);
        simulator.setUdpEnabled(false);
        simulator.start();
        Received received = new Received();
        session = open(RtspSessionOptions.defaults().withTransport(Transport.UDP), received);

        SourceException failure = session.closeFuture().get(10, TimeUnit.SECONDS);
        assertTrue(failure.isTransportRefused(), failure.getMessage());
        assertTrue(failure.getMessage().contains("461"), failure.getMessage());
        assertTrue(received.frames().isEmpty());
    }

    @Test
    void udpThatBringsNothingIsAFailureOfItsOwn() throws Exception {
        camera.setUdpBlackhole(true);
        Received received = new Received();
        session = open(RtspSessionOptions.defaults().withTransport(Transport.UDP)
                .withStallTimeout(Duration.ofSeconds(1)), received);

        SourceException failure = session.closeFuture().get(10, TimeUnit.SECONDS);
        assertEquals(FailureReason.STALLED, failure.reason(), failure.getMessage());
        assertTrue(failure.isNothingOverUdp(), failure.getMessage());
        assertTrue(session.exchange().stream().anyMatch(l -> l.startsWith("> TEARDOWN ")), String.valueOf(session.exchange()));

        // Stalling after packets did come is a plain stall.
        camera.setUdpBlackhole(false);
        Received more = new Received();
        session = open(RtspSessionOptions.defaults().withTransport(Transport.UDP)
                .withStallTimeout(Duration.ofSeconds(1)), more);
        Poll.until(WAIT, "frames", () -> more.frames().size() >= 5);
        camera.pauseStream(true);
        SourceException stall = session.closeFuture().get(10, TimeUnit.SECONDS);
        assertEquals(FailureReason.STALLED, stall.reason());
        assertFalse(stall.isNothingOverUdp(), stall.getMessage());
    }

    private static void assertContiguous(List<Frame> frames) {
        for (int i = 1; i < frames.size(); i++) {
            assertEquals(TICKS_PER_FRAME, frames.get(i).pts() - frames.get(i - 1).pts(), "frame " + i);
        }
    }

    /** Report blocks in the receiver reports among {@code packets}. */
    private static int reportBlocks(List<byte[]> packets) {
        int blocks = 0;
        for (byte[] packet : packets) {
            assertNotNull(packet);
            if ((packet[1] & 0xFF) == 201) {
                blocks += packet[0] & 0x1F;
            }
        }
        return blocks;
    }

    private RtspSession open(RtspSessionOptions options, Received received) {
        return RtspSession.open(group, URI.create(simulator.url("cam")), Optional.empty(), options, received);
    }
}
