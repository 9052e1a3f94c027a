package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.media.Frame;
import org.nvr.mp4.FragmentedMp4Writer;
import org.nvr.sim.Quirk;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SimulatedCamera;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;

/**
 * The quirks of real cameras ({@code CAMERA-QUIRKS.md}), each made by a simulator switch and recorded
 * through by {@link RtspSession}: 25 whole pictures from a keyframe, nothing dropped, the session goes on.
 * Where a quirk touches the pictures' bytes, they are written to an fMP4 that must decode.
 */
class RtspSessionQuirksTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static EventLoopGroup group;
    private static SyntheticClip clip;

    private RtspCameraSimulator simulator;
    private SimulatedCamera camera;
    private RtspSession session;

    @BeforeAll
    static void startLoop() {
        group = RtspTransports.newGroup(1, "rtsp-quirks-test");
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
    }

    @AfterEach
    void stop() {
        if (session != null) {
            session.close();
        }
        simulator.close();
    }

    @Test
    void trailingSpacesInRtpmap() throws Exception {
        recordsThrough(Quirk.RTPMAP_TRAILING_SPACES);
        assertTrue(session.sdp().contains("a=rtpmap:96 H264/90000   \r\n"), session.sdp());
    }

    @Test
    void sdpWithoutOriginLine() throws Exception {
        recordsThrough(Quirk.NO_ORIGIN_LINE);
        assertFalse(session.sdp().contains("o="), session.sdp());
    }

    @Test
    void controlBeforeOtherAttributes() throws Exception {
        recordsThrough(Quirk.CONTROL_BEFORE_OTHER_ATTRIBUTES);
        assertTrue(session.sdp().contains("m=video 0 RTP/AVP 96\r\na=control:trackID=0\r\n"), session.sdp());
    }

    /** Relative control URLs are every other test's (the simulator's default); here the absolute ones. */
    @Test
    void absoluteControlUrl() throws Exception {
        recordsThrough(Quirk.ABSOLUTE_CONTROL_URL);
        assertTrue(session.exchange().contains("> SETUP " + simulator.url("cam") + "/trackID=0"), String.valueOf(session.exchange()));
    }

    @Test
    void schemeLessContentBase() throws Exception {
        recordsThrough(Quirk.SCHEMELESS_CONTENT_BASE);
        assertTrue(session.exchange().contains("> SETUP " + simulator.url("cam") + "/trackID=0"), String.valueOf(session.exchange()));
    }

    /**
     * {@code Session: sEsS...Id ;TimeOut = 2}: the id is echoed as sent (the simulator compares it exactly) and the
     * odd-case timeout read, or the keep-alives would come every 30 s and the 2 s timeout close the connection.
     */
    @Test
    void sessionIdWithOddCaseTimeout() throws Exception {
        simulator.setSessionTimeout(Duration.ofSeconds(2));
        recordsThrough(Quirk.SESSION_TIMEOUT_ODD_CASE);
        Received received = current;
        Poll.until(WAIT, "4 s of frames", () -> received.frames().size() >= 100);
        assertFalse(session.closeFuture().isDone(), "closed: " + session.closeFuture().getNow());
    }

    @Test
    void annexBStartCodesInsideRtpPayloads(@TempDir Path dir) throws Exception {
        recordsThrough(Quirk.ANNEX_B_IN_SINGLE_NAL_PACKETS);
        assertDecodes(dir, current.frames().subList(0, 25));
    }

    @Test
    void markerBitOnSei(@TempDir Path dir) throws Exception {
        recordsThrough(Quirk.MARKER_ON_SEI);
        List<Frame> frames = current.frames().subList(0, 25);
        for (Frame frame : frames) {
            assertEquals(6, firstNalType(frame), "the SEI opens its picture, not a picture of its own");
        }
        assertDecodes(dir, frames);
    }

    @Test
    void unparseableExtraMediaSectionsAreSkipped() throws Exception {
        recordsThrough(Quirk.EXTRA_UNPARSEABLE_MEDIA);
        assertTrue(session.sdp().indexOf("m=application 0 RTP/AVP abc") < session.sdp().indexOf("m=video"), session.sdp());
        assertEquals(1, current.tracks().size(), String.valueOf(current.tracks()));
    }

    /** All quirks at once, as one badly made camera. */
    @Test
    void everyQuirkTogether() throws Exception {
        recordsThrough(Quirk.values());
    }

    /** RTP of another SSRC on channel 6, never set up: taken as the track's, 20 in a row would take it over. */
    @Test
    void interleavedDataOnUnassignedChannelsIsSkipped() throws Exception {
        recordsThrough();
        ByteBuf stray = Unpooled.buffer();
        for (int i = 0; i < 20; i++) {
            stray.writeByte('$').writeByte(6).writeShort(16);
            stray.writeByte(0x80).writeByte(96).writeShort(i).writeInt(0).writeInt(0x0BADF00D).writeInt(0x65888000);
        }
        camera.setGarbage(Arrays.copyOf(stray.array(), stray.writerIndex()));
        int before = current.frames().size();
        camera.injectGarbage();
        Poll.until(WAIT, "25 more frames", () -> current.frames().size() >= before + 25);
        assertEquals(0, current.frames().size() - before - countContiguous(current.frames().subList(before, current.frames().size())),
                "no picture lost");
        assertFalse(session.closeFuture().isDone());
        Poll.until(WAIT, "stats", () -> session.stats().packetsReceived() > 0);
        assertEquals(0, session.stats().framesDropped(), String.valueOf(session.stats()));
    }

    /** A camera that ends every session after a while: each ends {@code eof}, and the next one records again. */
    @Test
    void serverClosingTheConnectionEveryFewSecondsEndsTheSessionAndTheNextResumes() throws Exception {
        simulator.setCloseConnectionsAfter(Duration.ofMillis(1500));
        for (int round = 0; round < 2; round++) {
            recordsThrough();
            SourceException ended = session.closeFuture().get(10, TimeUnit.SECONDS);
            assertEquals(FailureReason.EOF, ended.reason(), ended.getMessage());
        }
    }

    /**
     * A camera with one session slot: after our session closes (with TEARDOWN) the next connects at once;
     * a client that vanished without TEARDOWN keeps the slot, and the next SETUP is refused (453).
     */
    @Test
    void singleSlotCameraIsFreedByOurTeardown() throws Exception {
        camera.setSingleSession(true);
        recordsThrough();
        session.close();
        assertEquals(FailureReason.SHUTDOWN, session.closeFuture().get(5, TimeUnit.SECONDS).reason());
        recordsThrough(); // only because the first sent TEARDOWN
        session.close();
        session.closeFuture().get(5, TimeUnit.SECONDS);

        // The same camera, a client that leaves without TEARDOWN: the slot stays taken.
        try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), simulator.port())) {
            raw.setSoTimeout(5000);
            OutputStream out = raw.getOutputStream();
            out.write(("SETUP " + simulator.url("cam") + "/trackID=0 RTSP/1.0\r\nCSeq: 1\r\n"
                    + "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] head = new byte[15];
            InputStream in = raw.getInputStream();
            int n = in.readNBytes(head, 0, head.length);
            assertEquals("RTSP/1.0 200 OK", new String(head, 0, n, StandardCharsets.US_ASCII));
        }
        Received refused = new Received();
        session = RtspSession.open(group, URI.create(simulator.url("cam")), Optional.empty(),
                RtspSessionOptions.defaults(), refused);
        SourceException failure = session.closeFuture().get(10, TimeUnit.SECONDS);
        assertTrue(failure.getMessage().contains("SETUP answered 453"), failure.getMessage());
    }

    private Received current;

    /** Sets the quirks, starts the simulator if needed, opens a session and waits for 25 contiguous frames. */
    private void recordsThrough(Quirk... quirks) throws Exception {
        camera.setQuirks(quirks);
        simulator.start();
        current = new Received();
        session = RtspSession.open(group, URI.create(simulator.url("cam")), Optional.empty(),
                RtspSessionOptions.defaults(), current);
        Received received = current;
        Poll.until(WAIT, "25 frames", () -> received.frames().size() >= 25 || session.closeFuture().isDone());
        assertTrue(received.frames().size() >= 25, "ended: " + session.closeFuture().getNow());
        List<Frame> frames = received.frames().subList(0, 25);
        assertTrue(frames.get(0).keyframe(), "starts at a keyframe");
        assertEquals(25, countContiguous(frames), "no picture dropped");
        assertEquals(3, frames.stream().filter(Frame::keyframe).count(), "GOP 10");
    }

    /** The type of a frame's first NAL unit (4-byte length prefixes). */
    private static int firstNalType(Frame frame) {
        return frame.data()[4] & 0x1F;
    }

    /** Frames 1/25 s apart from the first, counted until the first gap. */
    private static int countContiguous(List<Frame> frames) {
        int n = 1;
        while (n < frames.size() && frames.get(n).pts() - frames.get(n - 1).pts() == 3600) {
            n++;
        }
        return n;
    }

    private static void assertDecodes(Path dir, List<Frame> frames) throws Exception {
        Path file = dir.resolve("quirk.mp4");
        try (FragmentedMp4Writer writer = FragmentedMp4Writer.create(file, List.of(frames.get(0).track()),
                Duration.ofSeconds(1))) {
            for (Frame frame : frames) {
                writer.write(frame);
            }
        }
        assertEquals(frames.size(), MediaProbe.frameCount(file));
        assertEquals(List.of(), MediaProbe.decodeErrors(file));
    }
}
