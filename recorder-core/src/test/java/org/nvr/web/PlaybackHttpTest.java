package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexDatabase;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.BasicAuth;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.FragmentedMp4;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;
import org.nvr.web.live.LiveFeeds;
import org.nvr.web.playback.FootageRoutes;

/**
 * Playback, snapshot and export over real HTTP against the real web server, on real footage (three 3 s
 * segments of 160x120 25 fps H.264 written by Debian's ffmpeg with the recorder's fragmenting, a 3 s
 * gap, then the third) in a real index. Every MP4 received is decoded by ffprobe.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PlaybackHttpTest {
    static final String VIEWER_PW = "xem-camera-1";
    static final String OPERATOR_PW = "canbo-mat-khau";
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    static Path dir;

    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    NvrConfig config;
    IndexWriter writer;
    WebServer server;
    String base;
    RecorderMetrics metrics;

    @BeforeAll
    void recordAndServe() throws Exception {
        Path root = dir.resolve("storage");
        config = ConfigLoader.parse("storage: { root: " + root + " }\n"
                + "sites: [ { id: xa1, cameras: [ { id: c1, url: \"rtsp://cam/x\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                + "    - {name: xem, role: viewer, password_hash: \"" + BasicAuth.hash(VIEWER_PW.toCharArray(), 1000) + "\"}\n"
                + "    - {name: canbo1, role: operator, password_hash: \"" + BasicAuth.hash(OPERATOR_PW.toCharArray(), 1000) + "\"}\n",
                Map.of());
        writer = IndexWriter.open(config.storage().indexPath());
        // 07:00:00-03, 07:00:03-06, gap, 07:00:09-12
        for (int start : new int[] {0, 3, 9}) {
            Instant t = T0.plusSeconds(start);
            String rel = "footage/xa1/c1/2026/11/29/20261129T0700%02dZ.mp4".formatted(start);
            Path file = root.resolve(rel);
            FragmentedMp4.write(file, 3);
            long id = writer.openSegment(null, "xa1", "c1", rel, t, "h264", 160, 120, null).get();
            writer.closeSegment(id, t.plusSeconds(3), Duration.ofSeconds(3), Files.size(file), 75L,
                    SegmentFinisher.sha256(file)).get();
        }
        // and a segment the recorder just opened at 07:00:12: nothing but its ftyp written yet
        String openRel = "footage/xa1/c1/2026/11/29/20261129T070012Z.mp4";
        Files.write(root.resolve(openRel), new byte[] {0, 0, 0, 16, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0});
        writer.openSegment(null, "xa1", "c1", openRel, T0.plusSeconds(12), "h264", 160, 120, null).get();
        metrics = new RecorderMetrics();
        server = WebServer.start(config, writer, WebServer.Options.DEFAULT.withClock(
                java.time.Clock.fixed(T0.plusSeconds(3600), java.time.ZoneOffset.UTC)),
                new LiveFeeds(List.of(), LiveFeeds.Limits.DEFAULT, metrics.registry()));
        base = server.url();
    }

    @AfterAll
    void stop() {
        server.close();
        writer.close();
        metrics.close();
    }

    String url(String path) {
        return base + path.substring(1);
    }

    static String q(Instant t) {
        return URLEncoder.encode(t.toString(), StandardCharsets.UTF_8);
    }

    @Test
    void aRangeCrossingTwoSegmentsPlaysWholeAndInRangePiecesAndIsAuditedOnce() throws Exception {
        String cookie = session("xem", VIEWER_PW)[0];
        String path = "/playback/c1.mp4?from=" + q(T0) + "&to=" + q(T0.plusSeconds(6));
        long auditBefore = audit("playback").size();

        HttpResponse<byte[]> whole = get(path, cookie, null);
        assertEquals(200, whole.statusCode());
        assertEquals("bytes", whole.headers().firstValue("Accept-Ranges").orElseThrow());
        assertEquals(whole.body().length, whole.headers().firstValueAsLong("Content-Length").orElseThrow());
        String etag = whole.headers().firstValue("ETag").orElseThrow();
        Path mp4 = dir.resolve("whole.mp4");
        Files.write(mp4, whole.body());
        assertEquals(150, MediaProbe.frameCount(mp4), "two segments of 75 frames, as the index says");
        assertEquals(6000, MediaProbe.duration(mp4).toMillis(), 60.0);
        assertEquals(List.of(), MediaProbe.decodeErrors(mp4));

        // the same bytes in range pieces, as a <video> seeking asks for them
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        int len = whole.body().length;
        int[] cuts = {0, 1000, len / 3, len / 2 + 7, len};
        for (int i = 0; i + 1 < cuts.length; i++) {
            HttpResponse<byte[]> part = get(path, cookie, "bytes=" + cuts[i] + "-" + (cuts[i + 1] - 1));
            assertEquals(206, part.statusCode());
            assertEquals("bytes " + cuts[i] + "-" + (cuts[i + 1] - 1) + "/" + len,
                    part.headers().firstValue("Content-Range").orElseThrow());
            assertEquals(etag, part.headers().firstValue("ETag").orElseThrow());
            joined.write(part.body());
        }
        assertArrayEquals(whole.body(), joined.toByteArray());
        HttpResponse<byte[]> suffix = get(path, cookie, "bytes=-100");
        assertEquals(206, suffix.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(whole.body(), len - 100, len), suffix.body());
        HttpResponse<byte[]> past = get(path, cookie, "bytes=" + len + "-");
        assertEquals(416, past.statusCode());
        assertEquals("bytes */" + len, past.headers().firstValue("Content-Range").orElseThrow());
        HttpResponse<byte[]> head = http.send(HttpRequest.newBuilder(URI.create(url(path))).header("Cookie", cookie)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, head.statusCode());
        assertEquals(len, head.headers().firstValueAsLong("Content-Length").orElseThrow());

        // one view: the whole GET (the first range piece, from byte 0, is the same view asked again)
        Poll.until(Duration.ofSeconds(5), "the playback audit lines", () -> audit("playback").size() >= auditBefore + 2);
        List<AuditEntry> lines = audit("playback");
        assertEquals(auditBefore + 2, lines.size(), "one per request from byte 0, none for the seeks");
        AuditEntry line = lines.get(lines.size() - 1);
        assertEquals("xem", line.osUser());
        assertEquals("c1", line.camera());
        assertEquals(T0, line.from());
        assertTrue(line.detail().startsWith("web client 127.0.0.1"), line.detail());
    }

    @Test
    void theBytesOfPlaybackSentAreCountedForTheMetrics() throws Exception {
        String cookie = session("xem", VIEWER_PW)[0];
        String path = "/playback/c1.mp4?from=" + q(T0) + "&to=" + q(T0.plusSeconds(12));
        double before = footageSent();
        HttpResponse<byte[]> whole = get(path, cookie, null);
        assertEquals(200, whole.statusCode());
        HttpResponse<byte[]> part = get(path, cookie, "bytes=100-4099");
        assertEquals(206, part.statusCode());
        long expected = whole.body().length + 4000L;
        Poll.until(Duration.ofSeconds(5), "the counter to reach " + expected,
                () -> footageSent() - before == expected);
        assertTrue(metrics.scrape().contains("nvr_web_footage_sent_bytes_total "), metrics.scrape());
    }

    double footageSent() {
        return metrics.registry().get("nvr.web.footage.sent").functionCounter().count();
    }

    @Test
    void theFragmentedVariantDecodesToTheSameFramesAndItsRangesJoin() throws Exception {
        String cookie = session("xem", VIEWER_PW)[0];
        String path = "/playback/c1.mp4?format=fmp4&from=" + q(T0) + "&to=" + q(T0.plusSeconds(12));
        HttpResponse<byte[]> whole = get(path, cookie, null);
        assertEquals(200, whole.statusCode());
        Path mp4 = dir.resolve("fragmented.mp4");
        Files.write(mp4, whole.body());
        assertTrue(MediaProbe.isFragmented(mp4));
        assertEquals(225, MediaProbe.frameCount(mp4), "three segments of 75 frames, the gap cut out");
        assertEquals(List.of(), MediaProbe.decodeErrors(mp4));
        int len = whole.body().length;
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (int at = 0; at < len; at += 40_000) {
            HttpResponse<byte[]> part = get(path, cookie, "bytes=" + at + "-" + Math.min(len - 1, at + 39_999));
            assertEquals(206, part.statusCode());
            joined.write(part.body());
        }
        assertArrayEquals(whole.body(), joined.toByteArray());
    }

    @Test
    void anUnchangedPlaybackIs304AndTooLongARangeIsRefused() throws Exception {
        String cookie = session("xem", VIEWER_PW)[0];
        String path = "/playback/c1.mp4?from=" + q(T0) + "&to=" + q(T0.plusSeconds(6));
        String etag = get(path, cookie, "bytes=0-99").headers().firstValue("ETag").orElseThrow();
        HttpResponse<byte[]> again = http.send(HttpRequest.newBuilder(URI.create(url(path))).header("Cookie", cookie)
                .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(304, again.statusCode());
        HttpResponse<byte[]> other = get("/playback/c1.mp4?from=" + q(T0) + "&to=" + q(T0.plusSeconds(5)), cookie, "bytes=0-99");
        assertTrue(!etag.equals(other.headers().firstValue("ETag").orElseThrow()), "another range, another tag");
        HttpResponse<byte[]> tooLong = get("/playback/c1.mp4?from=" + q(T0) + "&to=" + q(T0.plusSeconds(4 * 3600)),
                cookie, null);
        assertEquals(400, tooLong.statusCode());
        assertTrue(new String(tooLong.body(), StandardCharsets.UTF_8).contains("at most 3 h"));
    }

    @Test
    void playbackFromTheMiddleStartsThereAndTheGapIsAPieceBoundary() throws Exception {
        String cookie = session("xem", VIEWER_PW)[0];
        Instant from = T0.plusMillis(4500);
        String query = "?from=" + q(from) + "&to=" + q(T0.plusSeconds(12));
        HttpResponse<byte[]> r = get("/playback/c1.mp4" + query, cookie, null);
        assertEquals(200, r.statusCode());
        Path mp4 = dir.resolve("middle.mp4");
        Files.write(mp4, r.body());
        // 1.5 s of the second segment (from its keyframe at 4 s, the first 0.5 s hidden by the edit list),
        // then the third segment: 4.5 s of pictures, the gap cut out
        assertEquals(4500, MediaProbe.duration(mp4).toMillis(), 60.0);
        assertEquals(List.of(), MediaProbe.decodeErrors(mp4));
        HttpResponse<byte[]> json = get("/playback/c1.json" + query, cookie, null);
        JsonNode pieces = new ObjectMapper().readTree(json.body()).get("pieces");
        assertEquals(2, pieces.size(), pieces.toString());
        assertEquals(from.toEpochMilli(), pieces.get(0).get("start_ms").asLong());
        assertEquals(0.0, pieces.get(0).get("media_start_s").asDouble(), 0.001);
        assertEquals(T0.plusSeconds(9).toEpochMilli(), pieces.get(1).get("start_ms").asLong());
        assertEquals(1.5, pieces.get(1).get("media_start_s").asDouble(), 0.001);
    }

    @Test
    void withoutASessionPlaybackAndSnapshotAre401() throws Exception {
        String path = "/playback/c1.mp4?from=" + q(T0) + "&to=" + q(T0.plusSeconds(6));
        assertEquals(401, get(path, null, null).statusCode());
        assertEquals(401, get("/snapshot/c1.jpg?at=" + q(T0), null, null).statusCode());
        assertEquals(404, get("/playback/c1.mp4?from=" + q(T0.plusSeconds(6)) + "&to=" + q(T0.plusSeconds(9)),
                session("xem", VIEWER_PW)[0], null).statusCode(), "the gap holds nothing");
    }

    @Test
    void aSnapshotIsAJpegAtTheCamerasResolutionForOperatorsOnly() throws Exception {
        assertEquals(403, get("/snapshot/c1.jpg?at=" + q(T0.plusSeconds(4)), session("xem", VIEWER_PW)[0], null)
                .statusCode());
        HttpResponse<byte[]> r = get("/snapshot/c1.jpg?at=" + q(T0.plusSeconds(4)), session("canbo1", OPERATOR_PW)[0],
                null);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("image/jpeg", r.headers().firstValue("Content-Type").orElseThrow());
        Path jpg = dir.resolve("snap.jpg");
        Files.write(jpg, r.body());
        MediaProbe.StreamInfo s = MediaProbe.streams(jpg).get(0);
        assertEquals(160, s.width());
        assertEquals(120, s.height());
        Poll.until(Duration.ofSeconds(5), "the snapshot audit line", () -> !audit("snapshot").isEmpty());
        assertEquals("canbo1", audit("snapshot").get(0).osUser());
    }

    @Test
    void aSegmentJustOpenedIsNoFootageYetAndASnapshotThenShowsThePictureBefore() throws Exception {
        String viewer = session("xem", VIEWER_PW)[0];
        HttpResponse<byte[]> r = get("/playback/c1.mp4?from=" + q(T0.plusSeconds(10)) + "&to=" + q(T0.plusSeconds(14)),
                viewer, null);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        Path mp4 = dir.resolve("upToNow.mp4");
        Files.write(mp4, r.body());
        assertEquals(50, MediaProbe.frameCount(mp4), "07:00:10 to the end of the third segment");
        HttpResponse<byte[]> snap = get("/snapshot/c1.jpg?at=" + q(T0.plusMillis(12_500)),
                session("canbo1", OPERATOR_PW)[0], null);
        assertEquals(200, snap.statusCode(), new String(snap.body(), StandardCharsets.UTF_8));
        Instant shown = Instant.parse(snap.headers().firstValue("X-Nvr-Picture-Time").orElseThrow());
        assertTrue(shown.isBefore(T0.plusSeconds(12)) && shown.isAfter(T0.plusMillis(11_900)),
                "the last picture of the segment before: " + shown);
    }

    @Test
    void anOperatorExportsFromTheApiAndTheManifestVerifies() throws Exception {
        String[] viewer = session("xem", VIEWER_PW);
        String body = "{\"camera\":\"c1\",\"from\":\"" + T0.plusSeconds(1) + "\",\"to\":\"" + T0.plusSeconds(11)
                + "\",\"reason\":\"vụ 12/2026\",\"lock\":true}";
        assertEquals(403, post("/api/export", viewer, body, true).statusCode(), "a viewer may not export");
        String[] operator = session("canbo1", OPERATOR_PW);
        assertEquals(403, post("/api/export", operator, body, false).statusCode(), "no CSRF token");

        HttpResponse<String> r = post("/api/export", operator, body, true);
        assertEquals(201, r.statusCode(), r.body());
        JsonNode answer = new ObjectMapper().readTree(r.body());
        HttpResponse<byte[]> video = get(answer.get("url").asText(), operator[0], null);
        HttpResponse<byte[]> manifestBytes = get(answer.get("manifest_url").asText(), operator[0], null);
        assertEquals(200, video.statusCode());
        assertEquals(200, manifestBytes.statusCode());
        assertEquals(403, get(answer.get("url").asText(), viewer[0], null).statusCode());
        JsonNode manifest = new ObjectMapper().readTree(manifestBytes.body());
        assertEquals(sha256(video.body()), manifest.get("sha256").asText());
        assertEquals(3, manifest.get("segments").size(), manifest.toString());
        for (JsonNode s : manifest.get("segments")) {
            assertEquals(s.get("sha256").asText(), SegmentFinisher.sha256(Path.of(s.get("path").asText())));
        }
        assertEquals(1, manifest.get("gaps").size(), manifest.toString());
        assertEquals(T0.plusSeconds(6), Instant.parse(manifest.get("gaps").get(0).get("start").asText()));
        Path exported = FootageRoutes.exportsDirectory(config.storage().root()).resolve(answer.get("name").asText());
        assertTrue(Files.isRegularFile(exported));
        assertTrue(!exported.startsWith(config.storage().root()));
        assertEquals(List.of(), MediaProbe.decodeErrors(exported));
        Poll.until(Duration.ofSeconds(5), "the export audit line", () -> !audit("export").isEmpty());
        AuditEntry line = audit("export").get(0);
        assertEquals("canbo1", line.osUser());
        assertEquals(exported.toString(), line.output());
        assertEquals("vụ 12/2026", line.reason());
        assertTrue(line.detail().startsWith("web client 127.0.0.1"), line.detail());
    }

    static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    List<AuditEntry> audit(String action) {
        try (var c = IndexDatabase.openForQueries(config.storage().indexPath())) {
            return EvidenceLog.auditLog(c, null, Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE)).stream()
                    .filter(e -> e.action().equals(action)).toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    HttpResponse<byte[]> get(String path, String cookie, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        if (range != null) {
            b.header("Range", range);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> post(String path, String[] session, String json, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).header("Cookie", session[0])
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (withToken) {
            b.header("X-CSRF-Token", session[1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A form login: the cookie and the CSRF token of the page behind it. */
    String[] session(String user, String password) throws Exception {
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url("/login")))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, r.statusCode());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        HttpResponse<String> home = http.send(HttpRequest.newBuilder(URI.create(url("/"))).header("Cookie", cookie)
                .build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(home.body());
        assertTrue(m.find(), home.body());
        return new String[] {cookie, m.group(1)};
    }
}
