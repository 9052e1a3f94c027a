package org.nvr.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The simulator's bytes on the wire, read with a minimal hand-written RTSP client. */
class RtspProtocolTest {

    private static final int TIMEOUT_MILLIS = 3000;

    private RtspCameraSimulator sim;
    private SyntheticClip clip;

    /** A session set up and playing; {@code sequence} and {@code rtptime} from RTP-Info. */
    private record Playing(RawRtspClient client, String session, int ssrc, int sequence, int rtptime) {
    }

    /** An access unit reassembled from RTP packets. */
    private record Unit(int timestamp, List<byte[]> nalUnits) {
    }

    @BeforeEach
    void startSimulator() {
        clip = TestClips.oneSecond();
        sim = new RtspCameraSimulator();
        sim.addCamera("cam-01", clip);
        sim.start();
    }

    @AfterEach
    void closeSimulator() {
        sim.close();
    }

    @Test
    void describeAnnouncesH264WithParameterSets() throws IOException {
        try (RawRtspClient client = new RawRtspClient(sim.port(), TIMEOUT_MILLIS)) {
            RawRtspClient.Response options = client.request("OPTIONS", sim.url("cam-01"));
            assertEquals(200, options.status());
            assertEquals("1", options.header("CSeq"));
            assertTrue(options.header("Public").contains("GET_PARAMETER"), options.header("Public"));

            RawRtspClient.Response describe = client.request("DESCRIBE", sim.url("cam-01"), "Accept: application/sdp");
            assertEquals(200, describe.status());
            assertEquals("application/sdp", describe.header("Content-Type"));
            assertEquals(sim.url("cam-01") + "/", describe.header("Content-Base"));
            String sdp = describe.body();
            assertTrue(sdp.contains("m=video 0 RTP/AVP 96\r\n"), sdp);
            assertTrue(sdp.contains("a=rtpmap:96 H264/90000\r\n"), sdp);
            assertTrue(sdp.contains("a=fmtp:96 packetization-mode=1;profile-level-id=" + clip.profileLevelId()
                    + ";sprop-parameter-sets=" + clip.spropParameterSets() + "\r\n"), sdp);
            assertTrue(sdp.contains("a=control:trackID=0\r\n"), sdp);

            assertEquals(404, client.request("DESCRIBE", sim.url("cam-02")).status());
        }
    }

    @Test
    void interleavedRtpCarriesTheClipExactly() throws IOException {
        Playing playing = play("cam-01");
        try (RawRtspClient client = playing.client()) {
            // 30 access units: the whole one-second clip, then the start of its second loop.
            List<Unit> units = readUnits(playing, 30);
            for (int k = 0; k < units.size(); k++) {
                assertEquals(playing.rtptime() + k * 3600, units.get(k).timestamp(), "timestamp of unit " + k);
                assertPicture(clip, k, units.get(k));
            }
            RawRtspClient.Interleaved report = client.frames.stream()
                    .filter(f -> f.channel() == 1).findFirst().orElse(null);
            assertNotNull(report, "an RTCP sender report on channel 1");
            assertEquals(200, report.data()[1] & 0xFF);
            assertEquals(playing.ssrc(), RawRtspClient.readInt(report.data(), 4));
        }
    }

    @Test
    void clientRtcpIsIgnoredAndKeepalivesAnswered() throws IOException {
        Playing playing = play("cam-01");
        try (RawRtspClient client = playing.client()) {
            int next = readUnits(playing, 3, playing.sequence());
            // An RTCP receiver report from the client, as FFmpeg sends over TCP.
            client.sendInterleaved(1, new byte[] {(byte) 0x80, (byte) 201, 0, 1, 1, 2, 3, 4});
            RawRtspClient.Response keepalive = client.request("GET_PARAMETER", sim.url("cam-01") + "/",
                    "Session: " + playing.session());
            assertEquals(200, keepalive.status());
            assertEquals(playing.session(), keepalive.header("Session"));
            assertEquals(next, firstRtpAfterRequest(client).rtpSequence(), "RTP sequence unbroken");

            assertEquals(454, client.request("GET_PARAMETER", sim.url("cam-01"), "Session: NOPE").status());
        }
    }

    @Test
    void pausedStreamKeepsTheConnectionAndResumesAtAKeyframe() throws IOException {
        SimulatedCamera camera = sim.camera("cam-01");
        Playing playing = play("cam-01");
        try (RawRtspClient client = playing.client()) {
            readUnits(playing, 2, playing.sequence());
            camera.pauseStream(true);
            // The reply marks the point after which nothing more may arrive.
            assertEquals(200, client.request("GET_PARAMETER", sim.url("cam-01"), "Session: " + playing.session())
                    .status());
            client.frames.clear();
            client.setTimeout(300);
            assertThrows(SocketTimeoutException.class, client::readFrame, "no RTP while paused");

            camera.pauseStream(false);
            client.setTimeout(TIMEOUT_MILLIS);
            RawRtspClient.Interleaved first = client.readRtp();
            assertEquals(AnnexB.NAL_SPS, first.nalType(), "resumes with SPS before a keyframe");
            assertTrue(first.rtpTimestamp() - playing.rtptime() >= 5 * 3600, "clock ran on while paused");
        }
    }

    @Test
    void silentCameraReadsRequestsAndNeverAnswers() throws IOException {
        SimulatedCamera camera = sim.camera("cam-01");
        camera.setSilent(true);
        try (RawRtspClient client = new RawRtspClient(sim.port(), 300)) {
            client.send("OPTIONS", sim.url("cam-01"));
            assertThrows(SocketTimeoutException.class, client::readResponse);

            camera.setSilent(false);
            client.setTimeout(TIMEOUT_MILLIS);
            RawRtspClient.Response response = client.request("OPTIONS", sim.url("cam-01"));
            assertEquals("2", response.header("CSeq"), "the first request was never answered");
        }
    }

    @Test
    void unavailableCameraClosesTheConnection() throws IOException {
        sim.camera("cam-01").setAvailable(false);
        try (RawRtspClient client = new RawRtspClient(sim.port(), TIMEOUT_MILLIS)) {
            client.send("OPTIONS", sim.url("cam-01"));
            assertThrows(EOFException.class, client::readResponse);
        }
    }

    @Test
    void quietConnectionsTimeOut() throws IOException {
        sim.setSessionTimeout(Duration.ofMillis(300));
        try (RawRtspClient client = new RawRtspClient(sim.port(), TIMEOUT_MILLIS)) {
            assertEquals(200, client.request("OPTIONS", sim.url("cam-01")).status());
            assertThrows(EOFException.class, client::readResponse, "closed after 300 ms of silence");
        }
    }

    @Test
    void digestAuthentication() throws Exception {
        sim.camera("cam-01").requireAuth("admin", "pw", AuthScheme.DIGEST);
        try (RawRtspClient client = new RawRtspClient(sim.port(), TIMEOUT_MILLIS)) {
            String url = sim.url("cam-01");
            assertEquals(200, client.request("OPTIONS", url).status(), "OPTIONS needs no credentials");
            RawRtspClient.Response challenge = client.request("DESCRIBE", url);
            assertEquals(401, challenge.status());
            Matcher m = Pattern.compile("Digest realm=\"([^\"]+)\", nonce=\"([^\"]+)\"")
                    .matcher(challenge.header("WWW-Authenticate"));
            assertTrue(m.matches(), challenge.header("WWW-Authenticate"));
            String ha1 = md5("admin:" + m.group(1) + ":pw");
            String response = md5(ha1 + ":" + m.group(2) + ":" + md5("DESCRIBE:" + url));
            String authorization = "Authorization: Digest username=\"admin\", realm=\"" + m.group(1)
                    + "\", nonce=\"" + m.group(2) + "\", uri=\"" + url + "\", response=\"" + response + "\"";
            assertEquals(200, client.request("DESCRIBE", url, authorization).status());
            assertEquals(401, client.request("DESCRIBE", url, authorization.replace(response, md5("x"))).status());
        }
    }

    @Test
    void multicastIsNotOffered() throws IOException {
        try (RawRtspClient client = new RawRtspClient(sim.port(), TIMEOUT_MILLIS)) {
            assertEquals(461, client.request("SETUP", sim.url("cam-01") + "/trackID=0",
                    "Transport: RTP/AVP;multicast").status());
        }
    }

    @Test
    void eachClientGetsItsOwnStream() throws IOException {
        Playing a = play("cam-01");
        Playing b = play("cam-01");
        try (RawRtspClient first = a.client(); RawRtspClient second = b.client()) {
            assertNotEquals(a.session(), b.session());
            assertNotEquals(a.ssrc(), b.ssrc());
            assertEquals(2, sim.camera("cam-01").sessionCount());
            readUnits(a, 2);
            readUnits(b, 2);

            assertEquals(200, first.request("TEARDOWN", sim.url("cam-01"), "Session: " + a.session()).status());
            assertEquals(1, sim.camera("cam-01").sessionCount());
        }
    }

    @Test
    void garbageInsteadOfAReplyOnAConnectionLeftOpen() throws IOException {
        SimulatedCamera camera = sim.camera("cam-01");
        camera.sendGarbageInsteadOfRtsp(true);
        byte[] garbage = camera.garbage();
        assertEquals(SimulatedCamera.GARBAGE_BYTES, garbage.length);
        try (RawRtspClient client = new RawRtspClient(sim.port(), TIMEOUT_MILLIS)) {
            client.send("OPTIONS", sim.url("cam-01"));
            assertArrayEquals(garbage, client.readBytes(garbage.length));
            client.send("DESCRIBE", sim.url("cam-01"));
            assertArrayEquals(garbage, client.readBytes(garbage.length), "the same garbage every time");
            client.setTimeout(300);
            assertThrows(SocketTimeoutException.class, client::peek, "nothing else, and no close");

            camera.sendGarbageInsteadOfRtsp(false);
            client.setTimeout(TIMEOUT_MILLIS);
            assertEquals("3", client.request("OPTIONS", sim.url("cam-01")).header("CSeq"));
        }
    }

    @Test
    void garbageIsDeterministic() {
        SimulatedCamera camera = sim.camera("cam-01");
        SimulatedCamera other = sim.addCamera("cam-02", clip);
        assertArrayEquals(camera.garbage(), other.garbage(), "same default seed, same bytes");
        other.setGarbageSeed(42);
        assertArrayEquals(seeded(42), other.garbage());
        assertFalse(Arrays.equals(camera.garbage(), other.garbage()));
    }

    @Test
    void injectedGarbageGoesBetweenTwoAccessUnitsOnce() throws IOException {
        SimulatedCamera camera = sim.camera("cam-01");
        byte[] garbage = camera.garbage();
        assertNotEquals((byte) '$', garbage[0], "precondition: the garbage does not start like a frame");
        Playing playing = play("cam-01");
        try (RawRtspClient client = playing.client()) {
            int next = readUnits(playing, 2, playing.sequence());
            camera.injectGarbage();
            boolean endOfUnit = true;
            while (client.peek() == '$') {
                RawRtspClient.Interleaved frame = client.readFrame();
                if (frame.channel() == 0) {
                    assertEquals(next, frame.rtpSequence());
                    next = (next + 1) & 0xFFFF;
                    endOfUnit = frame.marker();
                }
            }
            assertTrue(endOfUnit, "garbage only after the last packet of an access unit");
            assertArrayEquals(garbage, client.readBytes(garbage.length));
            // RTP goes on where it was, whole access units, and the garbage came once.
            readUnits(playing, 5, next);
        }
    }

    @Test
    void timestampJumpMovesTheClockAndNotThePictures() throws IOException {
        SimulatedCamera camera = sim.camera("cam-01");
        Playing playing = play("cam-01");
        try (RawRtspClient client = playing.client()) {
            List<Unit> units = new ArrayList<>();
            int next = readUnits(playing, 3, playing.sequence(), units);
            camera.jumpTimestamps(Duration.ofMillis(-1500));
            readUnits(playing, 30, next, units);

            int jumps = 0;
            for (int k = 0; k < units.size(); k++) {
                assertPicture(clip, k, units.get(k));
                if (k > 0) {
                    int step = units.get(k).timestamp() - units.get(k - 1).timestamp();
                    if (step != 3600) {
                        assertEquals(3600 - 135_000, step, "step into unit " + k);
                        assertTrue(k >= 3, "jump after the call, at unit " + k);
                        jumps++;
                    }
                }
            }
            assertEquals(1, jumps);
        }
    }

    @Test
    void switchedClipStartsAtItsFirstIdrWithItsParameterSets() throws IOException {
        SimulatedCamera camera = sim.camera("cam-01");
        SyntheticClip next = TestClips.demo();
        assertFalse(Arrays.equals(clip.sps(), next.sps()));
        Playing playing = play("cam-01");
        try (RawRtspClient client = playing.client()) {
            List<Unit> units = new ArrayList<>();
            int sequence = readUnits(playing, 3, playing.sequence(), units);
            camera.switchClip(next);
            readUnits(playing, 40, sequence, units);

            int first = -1;
            for (int k = 0; k < units.size() && first < 0; k++) {
                if (Arrays.equals(next.sps(), units.get(k).nalUnits().get(0))) {
                    first = k;
                }
            }
            assertTrue(first >= 3, "the new clip after the call, from unit " + first);
            for (int k = 0; k < units.size(); k++) {
                assertEquals(playing.rtptime() + k * 3600, units.get(k).timestamp(), "timestamp of unit " + k);
                if (k < first) {
                    assertPicture(clip, k, units.get(k));
                } else {
                    assertPicture(next, k - first, units.get(k));
                }
            }
        }
        try (RawRtspClient client = new RawRtspClient(sim.port(), TIMEOUT_MILLIS)) {
            String sdp = client.request("DESCRIBE", sim.url("cam-01")).body();
            assertTrue(sdp.contains(";profile-level-id=" + next.profileLevelId() + ";sprop-parameter-sets="
                    + next.spropParameterSets() + "\r\n"), sdp);
            assertTrue(sdp.contains("a=x-dimensions:640,360\r\n"), sdp);
        }
    }

    @Test
    void rtpLossLeavesOutEveryNthPacket() throws IOException {
        SimulatedCamera camera = sim.camera("cam-01");
        assertThrows(IllegalArgumentException.class, () -> camera.setRtpLossEvery(1));
        camera.setRtpLossEvery(4);
        Playing playing = play("cam-01");
        try (RawRtspClient client = playing.client()) {
            // Packet n of the session (from 1) has sequence number first + n - 1; 4, 8, 12... are lost.
            for (int n = 1; n <= 40; n++) {
                if (n % 4 == 0) {
                    continue;
                }
                assertEquals((playing.sequence() + n - 1) & 0xFFFF, client.readRtp().rtpSequence(),
                        "packet " + n);
            }
        }
    }

    private Playing play(String path) throws IOException {
        RawRtspClient client = new RawRtspClient(sim.port(), TIMEOUT_MILLIS);
        assertEquals(200, client.request("DESCRIBE", sim.url(path)).status());
        RawRtspClient.Response setup = client.request("SETUP", sim.url(path) + "/trackID=0",
                "Transport: RTP/AVP/TCP;unicast;interleaved=0-1");
        assertEquals(200, setup.status());
        Matcher transport = Pattern.compile("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=([0-9A-F]{8})")
                .matcher(setup.header("Transport"));
        assertTrue(transport.matches(), setup.header("Transport"));
        Matcher session = Pattern.compile("([0-9A-F]+);timeout=60").matcher(setup.header("Session"));
        assertTrue(session.matches(), setup.header("Session"));

        RawRtspClient.Response play = client.request("PLAY", sim.url(path) + "/", "Session: " + session.group(1));
        assertEquals(200, play.status());
        Matcher info = Pattern.compile("url=" + Pattern.quote(sim.url(path) + "/trackID=0")
                + ";seq=(\\d+);rtptime=(\\d+)").matcher(play.header("RTP-Info"));
        assertTrue(info.matches(), play.header("RTP-Info"));
        return new Playing(client, session.group(1), Integer.parseUnsignedInt(transport.group(1), 16),
                Integer.parseInt(info.group(1)), Integer.parseUnsignedInt(info.group(2)));
    }

    private List<Unit> readUnits(Playing playing, int count) throws IOException {
        List<Unit> units = new ArrayList<>();
        readUnits(playing, count, playing.sequence(), units);
        return units;
    }

    /** Reads {@code count} access units starting at sequence {@code from}; returns the next sequence. */
    private int readUnits(Playing playing, int count, int from) throws IOException {
        return readUnits(playing, count, from, new ArrayList<>());
    }

    /**
     * Reassembles access units from RTP as RFC 6184 describes, checking every packet on the way:
     * version, payload type, SSRC, unbroken sequence, size, one timestamp per unit, marker at its end.
     */
    private int readUnits(Playing playing, int count, int from, List<Unit> units) throws IOException {
        int expectedSequence = from;
        List<byte[]> nals = new ArrayList<>();
        ByteArrayOutputStream fragment = null;
        Integer timestamp = null;
        while (units.size() < count) {
            RawRtspClient.Interleaved packet = playing.client().readRtp();
            byte[] data = packet.data();
            assertEquals(0x80, data[0] & 0xC0, "RTP version 2");
            assertEquals(96, packet.payloadType());
            assertEquals(playing.ssrc(), packet.ssrc());
            assertEquals(expectedSequence, packet.rtpSequence());
            assertTrue(data.length <= 12 + H264Packetizer.MAX_PAYLOAD, "packet of " + data.length + " bytes");
            expectedSequence = (expectedSequence + 1) & 0xFFFF;
            if (timestamp == null) {
                timestamp = packet.rtpTimestamp();
            }
            assertEquals(timestamp.intValue(), packet.rtpTimestamp(), "one timestamp per access unit");

            int type = packet.nalType();
            if (type == 28) {
                boolean start = (data[13] & 0x80) != 0;
                boolean end = (data[13] & 0x40) != 0;
                if (start) {
                    fragment = new ByteArrayOutputStream();
                    fragment.write((data[12] & 0xE0) | (data[13] & 0x1F));
                }
                assertNotNull(fragment, "FU-A continuation without a start");
                fragment.write(data, 14, data.length - 14);
                if (end) {
                    nals.add(fragment.toByteArray());
                    fragment = null;
                }
                assertTrue(!packet.marker() || end, "marker only on the last fragment");
            } else {
                assertTrue(type >= 1 && type <= 23, "single NAL unit packet, type " + type);
                nals.add(Arrays.copyOfRange(data, 12, data.length));
            }
            if (packet.marker()) {
                units.add(new Unit(timestamp, List.copyOf(nals)));
                nals.clear();
                timestamp = null;
            }
        }
        return expectedSequence;
    }

    /** A unit holds frame {@code frame} of {@code clip} (counted from its start, looping), SPS/PPS first if a keyframe. */
    private static void assertPicture(SyntheticClip clip, int frame, Unit unit) {
        AccessUnit expected = clip.frame(frame % clip.frameCount());
        List<byte[]> nals = new ArrayList<>();
        if (expected.keyframe()) {
            nals.add(clip.sps());
            nals.add(clip.pps());
        }
        nals.addAll(expected.nalUnits());
        assertEquals(nals.size(), unit.nalUnits().size(), "NAL units in frame " + frame);
        for (int n = 0; n < nals.size(); n++) {
            assertArrayEquals(nals.get(n), unit.nalUnits().get(n), "NAL " + n + " of frame " + frame);
        }
    }

    private static byte[] seeded(long seed) {
        byte[] bytes = new byte[SimulatedCamera.GARBAGE_BYTES];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The first RTP packet after the last request: one read while awaiting its reply, or the next. */
    private static RawRtspClient.Interleaved firstRtpAfterRequest(RawRtspClient client) throws IOException {
        for (RawRtspClient.Interleaved frame : client.frames) {
            if (frame.channel() == 0) {
                return frame;
            }
        }
        return client.readRtp();
    }

    private static String md5(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
