package org.nvr.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Track;
import org.nvr.rtsp.AuthChallenge;
import org.nvr.rtsp.ControlUrls;
import org.nvr.rtsp.Credentials;
import org.nvr.rtsp.MediaDescription;
import org.nvr.rtsp.PublicMethods;
import org.nvr.rtsp.RtspAuthorizer;
import org.nvr.rtsp.Sdp;
import org.nvr.rtsp.SessionHeader;
import org.nvr.rtsp.TransportHeader;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.UserInfoPasswords;

/**
 * The {@code org.nvr.rtsp} protocol code against what real servers send: gst-rtsp-server (independent)
 * and the simulator. OPTIONS, DESCRIBE (with digest authentication on the simulator), SDP parsed into
 * tracks, and SETUP sent to the resolved control URL to prove it is the one the server expects, its
 * Transport and Session headers parsed. Plain sockets ({@link RawRtspClient}), no FFmpeg.
 */
class RtspProtocolInteropTest {

    private static final int TIMEOUT_MILLIS = 5000;
    private static GstRtspServer gst;

    @BeforeAll
    static void startServer() throws Exception {
        gst = GstRtspServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (gst != null) {
            gst.close();
        }
    }

    /** What DESCRIBE gave, parsed, with the URLs resolved. */
    private record Described(Sdp sdp, ControlUrls urls, PublicMethods methods) {
        List<Codec> codecs() {
            return sdp.media().stream().map(m -> m.codec().orElseThrow()).toList();
        }
    }

    private static Described describe(RawRtspClient client, String url, String... auth) throws IOException {
        RawRtspClient.Response options = client.request("OPTIONS", url);
        assertEquals(200, options.status());
        RawRtspClient.Response describe = client.request("DESCRIBE", url, concat("Accept: application/sdp", auth));
        assertEquals(200, describe.status(), describe.toString());
        Sdp sdp = Sdp.parse(describe.body());
        assertEquals(List.of(), sdp.skipped(), describe.body());
        return new Described(sdp, new ControlUrls(url, describe.header("Content-Base"), describe.header("Content-Location"),
                sdp.control()), PublicMethods.parse(options.header("Public")));
    }

    /** SETUP over interleaved TCP at the URL resolved for {@code media}; the server must accept it. */
    private static void setUp(RawRtspClient client, Described described, int index, RtspAuthorizer auth) throws IOException {
        MediaDescription media = described.sdp().media().get(index);
        String url = described.urls().media(media.control());
        RawRtspClient.Response setup = client.request("SETUP", url, concat(
                "Transport: RTP/AVP/TCP;unicast;interleaved=" + 2 * index + "-" + (2 * index + 1), authorization(auth, "SETUP", url)));
        assertEquals(200, setup.status(), "SETUP " + url + ": " + setup);
        TransportHeader transport = TransportHeader.parse(setup.header("Transport"));
        assertTrue(transport.tcp(), setup.header("Transport"));
        assertEquals(new TransportHeader.Pair(2 * index, 2 * index + 1), transport.interleaved());
        SessionHeader session = SessionHeader.parse(setup.header("Session"));
        assertTrue(session.keepAliveInterval().toSeconds() > 0);
        String sessionUrl = described.urls().session();
        assertEquals(200, client.request("TEARDOWN", sessionUrl, concat("Session: " + session.id(),
                authorization(auth, "TEARDOWN", sessionUrl))).status());
    }

    private static String[] authorization(RtspAuthorizer auth, String method, String url) {
        return auth == null ? new String[0] : new String[] {"Authorization: " + auth.authorization(method, url).orElseThrow()};
    }

    @Test
    void gstH264() throws IOException {
        try (RawRtspClient client = new RawRtspClient(gst.port(), TIMEOUT_MILLIS)) {
            Described d = describe(client, gst.url(GstRtspServer.H264));
            assertEquals(List.of(Codec.H264), d.codecs());
            Track video = d.sdp().media().get(0).toTrack(0);
            assertEquals(90000, video.clockRate());
            assertEquals(2, video.parameterSets().size());
            assertEquals(7, video.parameterSets().get(0)[0] & 0x1F, "SPS");
            assertEquals(8, video.parameterSets().get(1)[0] & 0x1F, "PPS");
            assertEquals(gst.url(GstRtspServer.H264) + "/stream=0", d.urls().media(d.sdp().media().get(0).control()));
            assertTrue(d.methods().supports("GET_PARAMETER"), d.methods().toString());
            setUp(client, d, 0, null);
        }
    }

    @Test
    void gstH264WithAac() throws IOException {
        try (RawRtspClient client = new RawRtspClient(gst.port(), TIMEOUT_MILLIS)) {
            Described d = describe(client, gst.url(GstRtspServer.H264_AAC));
            assertEquals(List.of(Codec.H264, Codec.AAC), d.codecs());
            MediaDescription aac = d.sdp().media().get(1);
            assertEquals(97, aac.payloadType());
            assertEquals(13, aac.fmtpInt("sizelength").orElseThrow());
            Track audio = aac.toTrack(1);
            assertEquals(16000, audio.clockRate());
            assertEquals(1, audio.channels());
            assertEquals(2, (audio.decoderConfig()[0] & 0xFF) >> 3, "AudioSpecificConfig says AAC-LC");
            setUp(client, d, 1, null);
        }
    }

    @Test
    void gstH264WithAlaw() throws IOException {
        try (RawRtspClient client = new RawRtspClient(gst.port(), TIMEOUT_MILLIS)) {
            Described d = describe(client, gst.url(GstRtspServer.H264_ALAW));
            assertEquals(List.of(Codec.H264, Codec.PCMA), d.codecs());
            Track audio = d.sdp().media().get(1).toTrack(1);
            assertEquals(8, d.sdp().media().get(1).payloadType());
            assertEquals(8000, audio.clockRate());
            setUp(client, d, 1, null);
        }
    }

    @Test
    void gstH265() throws IOException {
        try (RawRtspClient client = new RawRtspClient(gst.port(), TIMEOUT_MILLIS)) {
            Described d = describe(client, gst.url(GstRtspServer.H265));
            assertEquals(List.of(Codec.H265), d.codecs());
            Track video = d.sdp().media().get(0).toTrack(0);
            assertEquals(List.of(32, 33, 34), video.parameterSets().stream().map(p -> (p[0] >> 1) & 0x3F).toList());
            setUp(client, d, 0, null);
        }
    }

    @Test
    void gstMjpeg() throws IOException {
        try (RawRtspClient client = new RawRtspClient(gst.port(), TIMEOUT_MILLIS)) {
            Described d = describe(client, gst.url(GstRtspServer.MJPEG));
            assertEquals(List.of(Codec.MJPEG), d.codecs());
            assertEquals(26, d.sdp().media().get(0).payloadType());
            assertEquals(90000, d.sdp().media().get(0).toTrack(0).clockRate());
            setUp(client, d, 0, null);
        }
    }

    @Test
    void gstAudioOnly() throws IOException {
        try (RawRtspClient client = new RawRtspClient(gst.port(), TIMEOUT_MILLIS)) {
            Described d = describe(client, gst.url(GstRtspServer.AUDIO_ONLY));
            assertEquals(List.of(Codec.AAC), d.codecs());
            assertEquals(Optional.of(Codec.AAC), d.sdp().media().get(0).codec());
            setUp(client, d, 0, null);
        }
    }

    @Test
    void simulatorWithDigestAndAnOddPassword() throws IOException {
        SyntheticClip clip = TestClips.oneSecond();
        String password = UserInfoPasswords.all().stream().map(UserInfoPasswords.Password::value)
                .filter(p -> p.contains("\"")).findFirst().orElseThrow();
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            sim.addCamera("cam-01", clip).requireAuth("admin", password, AuthScheme.DIGEST);
            sim.start();
            String url = sim.url("cam-01");
            try (RawRtspClient client = new RawRtspClient(sim.port(), TIMEOUT_MILLIS)) {
                RawRtspClient.Response challenge = client.request("DESCRIBE", url);
                assertEquals(401, challenge.status());
                RtspAuthorizer auth = new RtspAuthorizer(new Credentials("admin", password));
                assertTrue(auth.challenge(AuthChallenge.parseAll(List.of(challenge.header("WWW-Authenticate")))));
                Described d = describe(client, url, "Authorization: " + auth.authorization("DESCRIBE", url).orElseThrow());
                assertEquals(List.of(Codec.H264), d.codecs());
                Track video = d.sdp().media().get(0).toTrack(0);
                assertArrayEquals(clip.sps(), video.parameterSets().get(0));
                assertArrayEquals(clip.pps(), video.parameterSets().get(1));
                String trackUrl = d.urls().media(d.sdp().media().get(0).control());
                assertEquals(url + "/" + org.nvr.sim.Sdp.TRACK, trackUrl);
                setUp(client, d, 0, auth);
            }
        }
    }

    private static String[] concat(String first, String... rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
