package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nvr.sim.AuthScheme;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.UserInfoPasswords;

/**
 * {@code nvr probe} against the camera simulator: the stream's facts (codec, size, fps, GOP) equal the
 * clip's, no credential in any output, and the exit codes and reasons of a wrong password, a closed
 * port and bad usage.
 */
class ProbeCommandTest {

    /** Long enough to be remembered and redacted; holds characters that must be percent-encoded. */
    private static final String PASSWORD = "Pr0be:s3cret@x";
    private static final int GOP = 10;
    private static SyntheticClip clip;
    private static RtspCameraSimulator simulator;

    @BeforeAll
    static void start() {
        clip = SyntheticClip.generate(320, 240, 25, GOP, 50, 300_000);
        simulator = new RtspCameraSimulator();
        simulator.addCamera("open", clip);
        simulator.addCamera("locked", clip).requireAuth("admin", PASSWORD, AuthScheme.DIGEST);
        simulator.addCamera("silent", clip).setSilent(true);
        simulator.addCamera("udp-blackhole", clip).setUdpBlackhole(true);
        simulator.start();
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @Test
    void printsTheStreamsFactsAndAConfigLine() {
        Cli cli = Cli.run("probe", simulator.url("open"), "--seconds", "2");

        assertEquals(Main.OK, cli.exitCode(), cli.out() + cli.err());
        assertTrue(cli.out().contains("video:       h264, 320x240, "), cli.out());
        assertTrue(cli.out().contains("GOP " + GOP + " frames (0.4 s)"), cli.out());
        assertTrue(cli.out().contains("audio:       none"), cli.out());
        assertTrue(cli.out().contains("clock:       camera clock offset ") && cli.out().contains("(clocks agree within 1 s)"),
                cli.out());
        assertTrue(cli.out().contains("  > DESCRIBE " + simulator.url("open")), cli.out());
        assertTrue(cli.out().contains("  - { id: cam-127-0-0-1, url: \"" + simulator.url("open") + "\" }"), cli.out());
    }

    @Test
    void jsonWithDigestCredentialsNeverShowsThem() throws Exception {
        String url = simulator.url("locked", "admin", PASSWORD);
        Cli cli = Cli.run("probe", url, "--seconds", "2", "--json", "--id", "gate");

        assertEquals(Main.OK, cli.exitCode(), cli.out() + cli.err());
        JsonNode report = new ObjectMapper().readTree(cli.out());
        JsonNode video = report.get("tracks").get(0);
        assertEquals("h264", video.get("codec").asText());
        assertEquals(clip.width(), video.get("width").asInt());
        assertEquals(clip.height(), video.get("height").asInt());
        assertEquals(25.0, video.get("fps").asDouble(), 1.0);
        assertEquals(GOP, video.get("gop_frames").asInt());
        assertTrue(video.get("bit_rate").asLong() > 0);
        assertEquals(0.0, report.get("camera_clock_offset_s").asDouble(), 0.5, report.toString());
        assertTrue(report.get("camera_clock_offset_s").isNumber(), report.toString());
        assertEquals("- { id: gate, url: \"" + simulator.url("locked") + "\", username: \"${GATE_USER}\", "
                + "password: \"${GATE_PASSWORD}\" }", report.get("config").asText());
        assertTrue(report.get("exchange").toString().contains("401"), report.get("exchange").toString());
        assertNoPassword(cli);
    }

    /** A password of every character user info may hold (raw or percent-encoded), Basic and Digest. */
    @ParameterizedTest
    @EnumSource(AuthScheme.class)
    void anyLegalPasswordLogsInAndNeverShows(AuthScheme scheme) {
        String password = "Kq" + UserInfoPasswords.RAW_ALLOWED + UserInfoPasswords.ENCODED_ONLY + "Zk";
        String inUrl = "Kq" + UserInfoPasswords.RAW_ALLOWED + UserInfoPasswords.percentEncode(UserInfoPasswords.ENCODED_ONLY) + "Zk";
        String path = "any-" + scheme.name().toLowerCase(java.util.Locale.ROOT);
        simulator.addCamera(path, clip).requireAuth("admin", password, scheme);
        String url = simulator.url(path).replace("rtsp://", "rtsp://admin:" + inUrl + "@");

        for (boolean json : new boolean[] {true, false}) {
            Cli cli = json ? Cli.run("probe", url, "--seconds", "1", "--json") : Cli.run("probe", url, "--seconds", "1");
            assertEquals(Main.OK, cli.exitCode(), cli.out() + cli.err());
            for (String form : NoPasswordAnywhereTest.forms(password)) {
                assertFalse((cli.out() + cli.err()).contains(form), form + " in " + cli.out() + cli.err());
            }
        }
    }

    /** A camera set five years ahead, as the simulator's clock, and two hours behind: the probe says so. */
    @Test
    void printsTheCameraClockOffsetOfAWrongYear() throws Exception {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        Duration fiveYears = Duration.between(now, now.plusYears(5));
        try (RtspCameraSimulator ahead = new RtspCameraSimulator(0, Clock.offset(Clock.systemUTC(), fiveYears));
             RtspCameraSimulator behind = new RtspCameraSimulator(0,
                     Clock.offset(Clock.systemUTC(), Duration.ofHours(-2).minusMinutes(3).minusSeconds(4)))) {
            ahead.addCamera("cam", clip);
            ahead.start();
            behind.addCamera("cam", clip);
            behind.start();

            Cli text = Cli.run("probe", ahead.url("cam"), "--seconds", "1");
            assertEquals(Main.OK, text.exitCode(), text.out() + text.err());
            long leapDays = fiveYears.toDays() - 5 * 365;
            String expected = "clock:       camera clock offset +5 y " + (leapDays > 0 ? leapDays + " d " : "") + "00:00:00";
            assertTrue(text.out().contains(expected), text.out());
            assertTrue(text.out().contains(" (camera ahead)"), text.out());

            Cli json = Cli.run("probe", behind.url("cam"), "--seconds", "1", "--json");
            assertEquals(Main.OK, json.exitCode(), json.out() + json.err());
            JsonNode report = new ObjectMapper().readTree(json.out());
            assertEquals(-(2 * 3600 + 3 * 60 + 4), report.get("camera_clock_offset_s").asDouble(), 0.5);
            assertEquals("-02:03:04 (camera behind)", report.get("camera_clock_offset").asText());
            assertTrue(report.get("camera_clock_offset").asText().endsWith("(camera behind)"), report.toString());
        }
    }

    @Test
    void clockOffsetsReadEasily() {
        assertEquals("+0.012 s (clocks agree within 1 s)", ProbeCommand.clockOffset(Duration.ofMillis(12)));
        assertEquals("-42.500 s (camera behind)", ProbeCommand.clockOffset(Duration.ofMillis(-42_500)));
        assertEquals("+1 d 00:00:00 (camera ahead)", ProbeCommand.clockOffset(Duration.ofDays(1).minusMillis(3)));
        assertEquals("-56 y 340 d 10:00:00 (camera behind)",
                ProbeCommand.clockOffset(Duration.ofDays(-56 * 365 - 340).minusHours(10)));
        assertEquals("+2 y 03:04:05 (camera ahead)",
                ProbeCommand.clockOffset(Duration.ofDays(730).plusHours(3).plusMinutes(4).plusSeconds(5)));
    }

    @Test
    void wrongPasswordFailsNamingAuth() {
        Cli cli = Cli.run("probe", simulator.url("locked", "admin", "Wr0ngPassw0rd"), "--seconds", "2");

        assertEquals(Main.FAILED, cli.exitCode(), cli.out() + cli.err());
        assertTrue(cli.out().contains("no frames: auth"), cli.out());
        assertTrue(cli.err().contains("(auth)"), cli.err());
        assertFalse((cli.out() + cli.err()).contains("Wr0ngPassw0rd"));
    }

    @Test
    void closedPortFailsNamingRefused() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Cli cli = Cli.run("probe", "rtsp://127.0.0.1:" + port + "/x", "--seconds", "2", "--json");

        assertEquals(Main.FAILED, cli.exitCode(), cli.out() + cli.err());
        JsonNode report = new ObjectMapper().readTree(cli.out());
        assertEquals("refused", report.get("reason").asText());
        assertTrue(report.get("camera_clock_offset_s").isNull(), report.toString());
        assertEquals("unknown (no RTCP sender report)", report.get("camera_clock_offset").asText());
    }

    /** No answer at all: the client's step timeout names it, not a guess after --seconds. */
    @Test
    void silentCameraFailsNamingTimeout() throws Exception {
        Cli cli = Cli.run("probe", simulator.url("silent"), "--seconds", "1", "--json");

        assertEquals(Main.FAILED, cli.exitCode(), cli.out() + cli.err());
        assertEquals("timeout", new ObjectMapper().readTree(cli.out()).get("reason").asText());
    }

    @Test
    void badUsageIsExitTwo() {
        assertEquals(Main.USAGE, Cli.run("probe").exitCode(), "no URL");
        assertEquals(Main.USAGE, Cli.run("probe", "http://127.0.0.1/x").exitCode(), "not rtsp");
        assertEquals(Main.USAGE, Cli.run("probe", "rtsp://127.0.0.1/x", "--seconds", "0").exitCode());
        Cli bogus = Cli.run("probe", "rtsp://127.0.0.1/x", "--transport", "sctp");
        assertEquals(Main.USAGE, bogus.exitCode());
        assertTrue(bogus.err().contains("'sctp' is not tcp, udp or auto"), bogus.err());
    }

    @Test
    void overUdpTheConfigLineSaysSo() {
        Cli cli = Cli.run("probe", simulator.url("open"), "--transport", "udp", "--seconds", "1");

        assertEquals(Main.OK, cli.exitCode(), cli.out() + cli.err());
        assertTrue(cli.out().contains("transport:   udp\n") || cli.out().contains("transport:   udp\r\n"), cli.out());
        assertTrue(cli.out().contains("video:       h264, 320x240, "), cli.out());
        assertTrue(cli.out().contains("  - { id: cam-127-0-0-1, url: \"" + simulator.url("open") + "\", transport: udp }"),
                cli.out());
    }

    /** UDP set up, nothing comes (a router dropping it): auto says so and receives over TCP. */
    @Test
    void autoMovesToTcpWhenUdpBringsNothing() throws Exception {
        Cli cli = Cli.run("probe", simulator.url("udp-blackhole"), "--transport", "auto", "--seconds", "1", "--json");

        assertEquals(Main.OK, cli.exitCode(), cli.out() + cli.err());
        JsonNode report = new ObjectMapper().readTree(cli.out());
        assertEquals("tcp", report.get("transport").asText());
        assertTrue(report.get("transport_note").asText().startsWith("udp brought no frames (stalled: UDP set up but no RTP"),
                report.toString());
    }

    private static void assertNoPassword(Cli cli) {
        String all = cli.out() + cli.err();
        assertFalse(all.contains(PASSWORD), all);
        assertFalse(all.contains("Pr0be"), all);
        assertFalse(all.contains(java.net.URLEncoder.encode(PASSWORD, java.nio.charset.StandardCharsets.UTF_8)), all);
    }
}
