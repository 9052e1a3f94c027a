package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.daemon.TestCameras;
import org.nvr.index.EvidenceLog;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexDatabase;
import org.nvr.index.OutageRow;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Mp4Boxes;

/**
 * The operator commands on real footage: a GStreamer RTSP camera (H.264 + AAC) is recorded once for
 * the class in 3 s segments, stopped for a few seconds (an outage the recorder notes) and restarted;
 * every test then questions or exports that footage through the CLI, in-process.
 */
class OperatorFootageTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static GstRtspServer gst;
    static Path root;
    static Path config;
    static List<RunRow> runs;
    static List<SegmentRow> segments;
    static OutageRow outage;

    @BeforeAll
    static void recordAroundAnOutage() throws Exception {
        gst = GstRtspServer.start();
        root = dir.resolve("footage");
        NvrConfig rec = TestCameras.config(root, Duration.ofSeconds(3),
                TestCameras.camera("cam-01", "thon-1", gst.url(GstRtspServer.H264_AAC)));
        config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: %s, segment_seconds: 3 }
                sites:
                  - id: thon-1
                    name: "Thôn 1"
                    cameras:
                      - id: cam-01
                        name: "Ngã tư UBND xã"
                        url: "%s"
                        location: "Ngã tư UBND, đường TL532E"
                        contact: "Hộ ông Nguyễn Văn A, 0912 345 678"
                      - id: cam-02
                        url: rtsp://192.0.2.11/stream
                """.formatted(root, gst.url(GstRtspServer.H264_AAC)));
        try (Recorder recorder = Recorder.start(rec, Recorder.Options.defaults())) {
            var status = recorder.statuses().get(0);
            await(Duration.ofSeconds(40), "3 closed segments", () -> closedSegments() >= 3);
            gst.stop();
            await(Duration.ofSeconds(20), "camera down", () -> status.current() == CameraState.DOWN);
            Thread.sleep(2000); // the outage
            gst.restart();
            await(Duration.ofSeconds(40), "recording again", () -> status.current() == CameraState.RECORDING);
            int before = closedSegments();
            await(Duration.ofSeconds(40), "3 segments after the outage", () -> closedSegments() >= before + 3);
        }
        // Recording time is the recorder's clock at the first keyframe advanced by stream time, which
        // can run a little ahead of the wall clock: look past now.
        Instant later = Instant.now().plusSeconds(60);
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            runs = q.runs("cam-01", Instant.EPOCH, later);
            segments = q.segments("cam-01", Instant.EPOCH, later);
            List<OutageRow> outages = q.outages("cam-01", Instant.EPOCH, later);
            assertEquals(2, runs.size(), runs.toString());
            assertEquals(1, outages.size(), outages.toString());
            outage = outages.get(0);
        }
    }

    @AfterAll
    static void stopCamera() {
        if (gst != null) {
            gst.close();
        }
    }

    private static int closedSegments() {
        if (!Files.exists(root.resolve("index.db"))) {
            return 0;
        }
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return (int) q.segments("cam-01", Instant.EPOCH, Instant.now().plusSeconds(60)).stream()
                    .filter(s -> s.end() != null).count();
        } catch (Exception e) {
            return 0;
        }
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(100);
        }
    }

    static List<SegmentRow> ofRun(int run) {
        return segments.stream().filter(s -> runs.get(run).id() == s.runId()).toList();
    }

    static Cli run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(config.toString());
        return Cli.run(all.toArray(String[]::new));
    }

    static String iso(Instant t) {
        return t.toString();
    }

    static Instant instant(JsonNode n) {
        return OffsetDateTime.parse(n.asText()).toInstant();
    }

    @Test
    void listAndGapsAroundTheOutage() throws Exception {
        Instant from = runs.get(0).start().minusSeconds(0);
        Instant to = runs.get(1).end();
        Cli list = run("footage", "list", "--camera", "cam-01", "--from", iso(from), "--to", iso(to), "--json");
        assertEquals(0, list.exitCode(), list.err());
        JsonNode rows = JSON.readTree(list.out());
        assertEquals(segments.size(), rows.size());
        for (JsonNode r : rows) {
            assertTrue(Files.isRegularFile(Path.of(r.get("path").asText())), r.toString());
            assertFalse(r.get("locked").asBoolean());
        }

        Cli gaps = run("footage", "gaps", "--camera", "cam-01", "--from", iso(from), "--to", iso(to), "--json");
        assertEquals(0, gaps.exitCode(), gaps.err());
        JsonNode g = JSON.readTree(gaps.out());
        assertEquals(1, g.size(), gaps.out());
        JsonNode gap = g.get(0);
        Instant lastBefore = ofRun(0).get(ofRun(0).size() - 1).end();
        Instant firstAfter = ofRun(1).get(0).start();
        assertEquals(lastBefore, instant(gap.get("start")));
        assertEquals(firstAfter, instant(gap.get("end")));
        assertEquals(Duration.between(lastBefore, firstAfter).toMillis() / 1000.0, gap.get("duration_s").asDouble(), 0.001);
        assertEquals(outage.reason(), gap.get("reason").asText());
        assertEquals("cam-01", gap.get("camera").asText());

        Cli table = run("footage", "gaps", "--camera", "cam-01", "--from", iso(from), "--to", iso(to));
        assertEquals(2, table.out().lines().count(), table.out());
        assertTrue(table.out().contains(outage.reason()), table.out());
    }

    @Test
    void exportAcrossThreeSegmentsAndTheGapDecodesAndMatchesItsManifest() throws Exception {
        List<SegmentRow> before = ofRun(0);
        List<SegmentRow> after = ofRun(1);
        SegmentRow first = before.get(before.size() - 2);
        // mid-GOP in the second-to-last segment before the outage, to mid-way into the second one after it
        Instant from = first.start().plusMillis(1330);
        Instant to = after.get(1).start().plusMillis(700);
        Path out = dir.resolve("export.mp4");
        Cli r = run("footage", "export", "--camera", "cam-01", "--from", iso(from), "--to", iso(to), "--output",
                out.toString(), "--reason", "case 17/2026");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("gap") && r.err().contains(outage.reason()), "gap on stderr: " + r.err());

        // the manifest, as the contract says
        JsonNode m = JSON.readTree(dir.resolve("export.mp4.json").toFile());
        String sha = SegmentFinisher.sha256(out);
        assertEquals(sha, m.get("sha256").asText());
        assertTrue(r.out().contains(sha), r.out());
        assertEquals("cam-01", m.get("camera").asText());
        assertEquals("thon-1", m.get("site").asText());
        assertEquals(from, instant(m.get("from")));
        assertEquals(to, instant(m.get("to")));
        assertNotNull(instant(m.get("exported_at")));
        JsonNode segs = m.get("segments");
        assertEquals(4, segs.size(), segs.toString());
        for (JsonNode s : segs) {
            SegmentRow row = segments.stream().filter(x -> root.resolve(x.path()).toString().equals(s.get("path").asText()))
                    .findFirst().orElseThrow();
            assertEquals(row.sha256(), s.get("sha256").asText());
            assertEquals(row.start(), instant(s.get("start")));
            assertEquals(row.end(), instant(s.get("end")));
        }
        assertEquals(1, m.get("gaps").size());
        assertEquals(outage.reason(), m.get("gaps").get(0).get("reason").asText());

        // a regular MP4, moov before mdat, video and audio, decoding cleanly
        List<String> boxes = Mp4Boxes.topLevel(out).stream().map(Mp4Boxes.Box::type).toList();
        assertTrue(boxes.indexOf("moov") >= 0 && boxes.indexOf("moov") < boxes.indexOf("mdat"), boxes.toString());
        assertFalse(boxes.contains("moof"), boxes.toString());
        List<MediaProbe.StreamInfo> streams = MediaProbe.streams(out);
        assertTrue(streams.stream().anyMatch(s -> s.isVideo() && s.codecName().equals("h264") && s.width() == 640));
        assertTrue(streams.stream().anyMatch(s -> s.isAudio() && s.codecName().equals("aac")), streams.toString());
        assertEquals(List.of(), MediaProbe.decodeErrors(out));

        // the start rule: the first picture at or after --from, shown first; the export ends at --to,
        // and the gap is cut out of its timeline
        Path firstFile = root.resolve(first.path());
        double startInSegment = MediaProbe.videoPackets(firstFile).stream().mapToDouble(MediaProbe.Packet::ptsTime)
                .filter(p -> p * 1000 >= 1330 - 0.5).min().orElseThrow();
        Instant start = first.start().plusNanos((long) Math.round(startInSegment * 1e6) * 1000);
        assertEquals(start.toEpochMilli(), instant(m.get("start")).toEpochMilli(), 1.0);
        Duration gap = Duration.between(before.get(before.size() - 1).end(), after.get(0).start());
        Duration expected = Duration.between(start, to).minus(gap);
        assertEquals(expected.toMillis() / 1000.0, m.get("duration_s").asDouble(), 0.015);
        assertEquals(to, instant(m.get("end")));
        Duration actual = MediaProbe.duration(out);
        assertEquals(expected.toMillis(), actual.toMillis(), 15.0, "duration " + actual + " vs " + expected);
        assertEquals(firstPicture(firstFile, startInSegment), firstPicture(out, 0),
                "the export's first picture is the source's picture at the start");

        // the audit log has it
        Cli audit = run("footage", "audit", "--json");
        JsonNode lines = JSON.readTree(audit.out());
        assertTrue(containsAudit(lines, "export", sha), audit.out());
    }

    static boolean containsAudit(JsonNode lines, String action, String sha) {
        for (JsonNode l : lines) {
            if (l.get("action").asText().equals(action) && (sha == null || sha.equals(l.get("sha256").asText()))) {
                return true;
            }
        }
        return false;
    }

    /** MD5 of the first decoded picture at or after {@code seconds} (grey levels), by Debian's ffmpeg. */
    static String firstPicture(Path file, double seconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(MediaProbe.FFMPEG, "-nostdin", "-v", "error"));
        if (seconds > 0) {
            cmd.addAll(List.of("-ss", String.format(Locale.ROOT, "%.6f", seconds - 0.0005)));
        }
        cmd.addAll(List.of("-i", file.toString(), "-map", "0:v:0", "-frames:v", "1", "-f", "rawvideo",
                "-pix_fmt", "gray", "-"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] raw;
        try (InputStream in = p.getInputStream()) {
            raw = in.readAllBytes();
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(640 * 360, raw.length, "one grey 640x360 picture from " + file);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(raw));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void exportRefusesASegmentChangedAfterRecording() throws Exception {
        SegmentRow seg = ofRun(1).get(0);
        Path file = root.resolve(seg.path());
        byte[] original = Files.readAllBytes(file);
        byte[] changed = original.clone();
        changed[changed.length / 2] ^= 0x01;
        Files.write(file, changed);
        try {
            Path out = dir.resolve("tampered.mp4");
            Cli r = run("footage", "export", "--camera", "cam-01", "--from", iso(seg.start()), "--to",
                    iso(seg.end()), "--output", out.toString());
            assertEquals(1, r.exitCode(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().contains(file.toString()) && r.err().contains("does not match"), r.err());
            assertFalse(Files.exists(out));
            assertFalse(Files.exists(dir.resolve("tampered.mp4.partial")));

            Cli flagged = run("footage", "export", "--camera", "cam-01", "--from", iso(seg.start()), "--to",
                    iso(seg.end()), "--output", out.toString(), "--allow-mismatch");
            assertEquals(0, flagged.exitCode(), flagged.err());
            JsonNode m = JSON.readTree(dir.resolve("tampered.mp4.json").toFile());
            assertFalse(m.get("segments").get(0).get("matches_index").asBoolean());
            assertEquals(seg.sha256(), m.get("segments").get(0).get("indexed_sha256").asText());
            assertTrue(r.err().contains("does not match"));
        } finally {
            Files.write(file, original);
        }
        Cli audit = run("footage", "audit", "--json");
        boolean refused = false;
        for (JsonNode l : JSON.readTree(audit.out())) {
            refused |= l.get("action").asText().equals("export") && l.get("detail").asText().startsWith("refused");
        }
        assertTrue(refused, audit.out());
    }

    @Test
    void snapshotIsAJpegOfTheCamerasResolution() throws Exception {
        SegmentRow seg = ofRun(0).get(1);
        Instant at = seg.start().plusMillis(1500);
        Path out = dir.resolve("still.jpg");
        Cli r = run("footage", "snapshot", "--camera", "cam-01", "--at", iso(at), "--output", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<MediaProbe.StreamInfo> streams = MediaProbe.streams(out);
        assertEquals(1, streams.size());
        assertEquals("mjpeg", streams.get(0).codecName());
        assertEquals(640, streams.get(0).width());
        assertEquals(360, streams.get(0).height());
        assertEquals(List.of(), MediaProbe.decodeErrors(out));
        byte[] head = Files.readAllBytes(out);
        assertEquals((byte) 0xFF, head[0]);
        assertEquals((byte) 0xD8, head[1]);
        Cli audit = run("footage", "audit", "--json");
        assertTrue(containsAudit(JSON.readTree(audit.out()), "snapshot", SegmentFinisher.sha256(out)));

        Instant inGap = ofRun(0).get(ofRun(0).size() - 1).end().plusMillis(300);
        Cli none = run("footage", "snapshot", "--camera", "cam-01", "--at", iso(inGap), "--output",
                dir.resolve("none.jpg").toString());
        assertEquals(3, none.exitCode(), none.err());
        assertTrue(none.err().contains("cam-01"), none.err());
    }

    /**
     * Retention is built in {@code org.nvr.retention} on another branch; what it must not delete is
     * defined here, by {@link EvidenceLog#NOT_HELD}, and this checks that predicate on real holds.
     */
    @Test
    void lockedRangeIsKeptFromRetentionUntilUnlocked() throws Exception {
        SegmentRow a = ofRun(0).get(0);
        SegmentRow b = ofRun(0).get(1);
        Instant from = a.start().plusMillis(500);
        Instant to = b.start().plusMillis(500);
        Cli lock = run("footage", "lock", "--camera", "cam-01", "--from", iso(from), "--to", iso(to), "--reason",
                "vụ việc 12/2026");
        assertEquals(0, lock.exitCode(), lock.err());
        try {
            assertEquals(List.of(a.id(), b.id()), heldIds());
            List<Long> deletable = deletableIds();
            assertFalse(deletable.contains(a.id()) || deletable.contains(b.id()), deletable.toString());
            assertEquals(segments.size() - 2, deletable.size());

            Cli list = run("footage", "list", "--camera", "cam-01", "--from", iso(a.start()), "--to",
                    iso(ofRun(0).get(2).end()), "--json");
            JsonNode rows = JSON.readTree(list.out());
            assertTrue(rows.get(0).get("locked").asBoolean() && rows.get(1).get("locked").asBoolean());
            assertFalse(rows.get(2).get("locked").asBoolean());

            // a range that only partly covers the hold releases nothing, and names the hold
            Cli partial = run("footage", "unlock", "--camera", "cam-01", "--from", iso(from.plusSeconds(1)), "--to",
                    iso(to));
            assertEquals(1, partial.exitCode());
            assertEquals(1, partial.err().lines().count(), partial.err());
            assertTrue(partial.err().contains("#"), partial.err());
            assertEquals(List.of(a.id(), b.id()), heldIds());
        } finally {
            Cli unlock = run("footage", "unlock", "--camera", "cam-01", "--from", iso(from.minusSeconds(1)), "--to",
                    iso(to.plusSeconds(1)), "--reason", "case closed");
            assertEquals(0, unlock.exitCode(), unlock.err());
        }
        assertEquals(List.of(), heldIds());
        assertEquals(segments.size(), deletableIds().size());
        JsonNode audit = JSON.readTree(run("footage", "audit", "--json").out());
        assertTrue(containsAudit(audit, "lock", null) && containsAudit(audit, "unlock", null), audit.toString());
        Cli locks = run("footage", "locks", "--json");
        assertEquals(0, JSON.readTree(locks.out()).size());
    }

    static List<Long> deletableIds() throws Exception {
        return ids("SELECT id FROM segments WHERE camera = 'cam-01' AND state = 'closed' AND " + EvidenceLog.NOT_HELD
                + " ORDER BY start_ms");
    }

    static List<Long> heldIds() throws Exception {
        return ids("SELECT id FROM segments WHERE camera = 'cam-01' AND NOT (" + EvidenceLog.NOT_HELD
                + ") ORDER BY start_ms");
    }

    static List<Long> ids(String sql) throws Exception {
        try (Connection c = IndexDatabase.openForQueries(root.resolve("index.db"));
             PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            List<Long> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
            return out;
        }
    }

    @Test
    void uptimeMatchesTheInducedOutage() throws Exception {
        Instant from = runs.get(0).start();
        Instant to = runs.get(1).end();
        Cli r = run("uptime", "--from", iso(from), "--to", iso(to), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode u = JSON.readTree(r.out());
        assertEquals(from, instant(u.get("from")));
        assertEquals(to, instant(u.get("to")));
        JsonNode site = u.get("sites").get(0);
        assertEquals("thon-1", site.get("site").asText());
        JsonNode cam = site.get("cameras").get(0);
        assertEquals("cam-01", cam.get("camera").asText());
        // the window ends now at the latest (recording time can run a little ahead of the wall clock)
        Instant until = instant(u.get("until"));
        assertTrue(!until.isAfter(to) && Duration.between(until, to).toMillis() < 2000, until + " vs " + to);
        double window = Duration.between(from, until).toMillis() / 1000.0;
        double down = Duration.between(runs.get(0).end(), runs.get(1).start()).toMillis() / 1000.0;
        assertEquals(1, cam.get("outages").asInt());
        assertEquals(down, cam.get("longest_outage_s").asDouble(), 0.001);
        assertEquals((window - down) / window, cam.get("up_ratio").asDouble(), 0.0001);
        double recorded = segments.stream().mapToLong(s -> s.duration().toMillis()).sum() / 1000.0;
        assertEquals(recorded, cam.get("recorded_s").asDouble(), 0.01 + Duration.between(until, to).toMillis() / 1000.0);
        assertEquals(outage.reason(), cam.get("top_reasons").get(0).get("reason").asText());
        // the recorder's outage row and the uptime report agree within the time a reconnect takes
        double outageRow = Duration.between(outage.start(), outage.end()).toMillis() / 1000.0;
        assertEquals(outageRow, down, 1.5);
        JsonNode never = site.get("cameras").get(1);
        assertEquals(0.0, never.get("up_ratio").asDouble());
        assertEquals(1, never.get("outages").asInt());
        assertEquals((cam.get("up_ratio").asDouble() + 0.0) / 2, site.get("up_ratio").asDouble(), 0.0001);

        Cli table = run("uptime", "--from", iso(from), "--to", iso(to));
        assertEquals(0, table.exitCode(), table.err());
        assertTrue(table.out().contains("Availability") && table.out().contains("cam-01"), table.out());
    }

    @Test
    void camerasShowStateSinceLocationAndContact() throws Exception {
        Cli r = run("cameras", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode cam = JSON.readTree(r.out()).get(0);
        assertEquals("cam-01", cam.get("camera").asText());
        assertEquals("stopped", cam.get("state").asText());
        assertNotNull(instant(cam.get("since")));
        assertEquals(segments.get(segments.size() - 1).end(), instant(cam.get("last_footage_end")));
        assertEquals("Ngã tư UBND, đường TL532E", cam.get("location").asText());
        assertEquals("Hộ ông Nguyễn Văn A, 0912 345 678", cam.get("contact").asText());
        Cli table = run("cameras");
        assertTrue(table.out().contains("0912 345 678") && table.out().contains("LOCATION"), table.out());
    }

    @Test
    void vietnameseTablesHelpAndMessages() throws Exception {
        Instant from = runs.get(0).start();
        Instant to = runs.get(1).end();
        Cli gaps = run("--lang", "vi", "footage", "gaps", "--camera", "cam-01", "--from", iso(from), "--to", iso(to));
        assertEquals(0, gaps.exitCode(), gaps.err());
        assertTrue(gaps.out().startsWith("BẮT ĐẦU"), gaps.out());
        String dayFirst = java.time.format.DateTimeFormatter.ofPattern("dd/MM/yyyy")
                .format(ofRun(0).get(ofRun(0).size() - 1).end().atZone(java.time.ZoneId.systemDefault()));
        assertTrue(gaps.out().contains(dayFirst), gaps.out());

        Cli uptime = run("uptime", "--lang", "vi", "--from", iso(from), "--to", iso(to));
        assertTrue(uptime.out().startsWith("Thời gian hoạt động từ"), uptime.out());
        assertTrue(uptime.out().contains("HOẠT ĐỘNG") && uptime.out().matches("(?s).*\\d+,\\d\\d%.*"), uptime.out());

        Cli help = run("--lang", "vi", "footage", "export", "--help");
        assertTrue(help.out().contains("Cách dùng") && help.out().contains("bản kê"), help.out());

        Cli bad = run("--lang", "vi", "footage", "list", "--camera", "cam-99", "--from", "-1h", "--to", "now");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().contains("không có camera 'cam-99'"), bad.err());

        // day-first times are accepted in Vietnamese
        String viFrom = java.time.format.DateTimeFormatter.ofPattern("dd/MM/yyyy HH:mm:ss")
                .format(from.atZone(java.time.ZoneId.systemDefault()));
        Cli list = run("--lang", "vi", "footage", "list", "--camera", "cam-01", "--from", viFrom, "--to", "now");
        assertEquals(0, list.exitCode(), list.err());
    }
}
