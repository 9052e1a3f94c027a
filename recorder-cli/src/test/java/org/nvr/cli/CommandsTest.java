package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.IndexWriter;

/** The operator commands against a real index in a temporary directory. */
class CommandsTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    Path config;

    @BeforeEach
    void writeConfig() throws Exception {
        config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage:
                  root: %s
                  segment_seconds: 60
                sites:
                  - id: thon-1
                    name: "Thôn 1"
                    cameras:
                      - id: cam-01
                        name: "Ngã tư UBND xã"
                        url: rtsp://admin:secret%%40pw@192.0.2.10/stream
                        location: "Ngã tư UBND"
                        contact: "Hộ ông A"
                      - id: cam-02
                        url: rtsp://192.0.2.11/stream
                """.formatted(dir.resolve("footage")));
    }

    private void indexThreeSegments() throws Exception {
        try (IndexWriter w = IndexWriter.open(dir.resolve("footage/index.db"))) {
            long run = w.startRun("thon-1", "cam-01", T0, "h264", 1920, 1080, null).get();
            for (int i = 0; i < 3; i++) {
                Instant s = T0.plusSeconds(60L * i);
                long id = w.openSegment(run, "thon-1", "cam-01", "thon-1/cam-01/2026/11/29/seg" + i + ".mp4", s,
                        "h264", 1920, 1080, null).get();
                w.closeSegment(id, s.plusSeconds(60), Duration.ofSeconds(60), 30_000_000L, 1500L, "00ff").get();
            }
            w.cameraState("thon-1", "cam-01", "recording", T0, null, "h264", T0.plusSeconds(180)).get();
        }
    }

    @Test
    void checkConfigAcceptsAGoodFileAndWritesNothing() {
        Cli r = Cli.run("check-config", "--config", config.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("2 camera(s)"), r.out());
        assertFalse(Files.exists(dir.resolve("footage")), "nothing written to storage");
    }

    @Test
    void badConfigExitsTwoNamingTheKeyWithoutTheCredentials() throws Exception {
        Files.writeString(config, Files.readString(config).replace("id: cam-02", "id: cam-01"));
        Cli r = Cli.run("check-config", "--config", config.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("sites[0].cameras[1].id"), r.err());
        assertFalse(r.err().contains("secret"), r.err());
        assertFalse(Files.exists(dir.resolve("footage")));
    }

    @Test
    void missingConfigFileExitsTwo() {
        Cli r = Cli.run("check-config", "--config", dir.resolve("nope.yaml").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("nope.yaml"), r.err());
    }

    @Test
    void footageListPrintsTheContractJson() throws Exception {
        indexThreeSegments();
        Cli r = Cli.run("footage", "list", "--config", config.toString(), "--camera", "cam-01",
                "--from", "2026-11-29T07:01:30Z", "--to", "2026-11-29T07:10:00Z", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode rows = new ObjectMapper().readTree(r.out());
        assertEquals(2, rows.size());
        JsonNode first = rows.get(0);
        assertEquals("cam-01", first.get("camera").asText());
        assertEquals("thon-1", first.get("site").asText());
        assertEquals(T0.plusSeconds(60), OffsetDateTime.parse(first.get("start").asText()).toInstant());
        assertEquals(T0.plusSeconds(120), OffsetDateTime.parse(first.get("end").asText()).toInstant());
        assertEquals(60.0, first.get("duration_s").asDouble());
        assertEquals(30_000_000L, first.get("bytes").asLong());
        assertTrue(Path.of(first.get("path").asText()).isAbsolute());
        assertTrue(first.get("path").asText().endsWith("thon-1/cam-01/2026/11/29/seg1.mp4"));
        assertFalse(first.get("locked").asBoolean());
    }

    @Test
    void footageListTableAndNoFootageExitCode() throws Exception {
        indexThreeSegments();
        Cli table = Cli.run("footage", "list", "--config", config.toString(), "--camera", "cam-01",
                "--from", "2026-11-29T07:00:00Z", "--to", "2026-11-29T07:03:00Z");
        assertEquals(0, table.exitCode(), table.err());
        assertEquals(4, table.out().lines().count(), table.out());
        Cli none = Cli.run("footage", "list", "--config", config.toString(), "--camera", "cam-02",
                "--from", "2026-11-29T07:00:00Z", "--to", "2026-11-29T07:03:00Z");
        assertEquals(3, none.exitCode());
    }

    @Test
    void wrongCameraOrTimeIsAOneLineUsageError() throws Exception {
        indexThreeSegments();
        Cli cam = Cli.run("footage", "list", "--config", config.toString(), "--camera", "cam-99",
                "--from", "-1h", "--to", "now");
        assertEquals(2, cam.exitCode());
        assertEquals(1, cam.err().lines().count(), cam.err());
        assertTrue(cam.err().contains("cam-99"), cam.err());
        Cli time = Cli.run("footage", "list", "--config", config.toString(), "--camera", "cam-01",
                "--from", "last tuesday", "--to", "now");
        assertEquals(2, time.exitCode());
        assertTrue(time.err().contains("--from") && time.err().contains("last tuesday"), time.err());
        Cli order = Cli.run("footage", "list", "--config", config.toString(), "--camera", "cam-01",
                "--from", "now", "--to", "-1h");
        assertEquals(2, order.exitCode());
    }

    @Test
    void camerasShowsStateLocationAndContactWithoutCredentials() throws Exception {
        indexThreeSegments();
        Cli r = Cli.run("cameras", "--config", config.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode cams = new ObjectMapper().readTree(r.out());
        assertEquals(2, cams.size());
        assertEquals("recording", cams.get(0).get("state").asText());
        assertEquals(T0, OffsetDateTime.parse(cams.get(0).get("since").asText()).toInstant());
        assertEquals(T0.plusSeconds(180), OffsetDateTime.parse(cams.get(0).get("last_footage_end").asText()).toInstant());
        assertEquals("Hộ ông A", cams.get(0).get("contact").asText());
        assertEquals("unknown", cams.get(1).get("state").asText());
        assertFalse(r.out().contains("secret"), r.out());
        Cli table = Cli.run("cameras", "--config", config.toString());
        assertTrue(table.out().contains("Ngã tư UBND"), table.out());
    }

    @Test
    void camerasSaysOnceWhenACamerasVideoCannotBePlayedInBrowsers() throws Exception {
        indexThreeSegments();
        try (IndexWriter w = IndexWriter.open(dir.resolve("footage/index.db"))) {
            w.startRun("thon-1", "cam-02", T0, "mjpeg", 640, 480, null).get();
            w.cameraState("thon-1", "cam-02", "recording", T0, null, "mjpeg 640x480", T0).get();
        }
        Cli r = Cli.run("cameras", "--config", config.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode cams = new ObjectMapper().readTree(r.out());
        assertEquals("h264", cams.get(0).get("video_codec").asText());
        assertTrue(cams.get(0).get("browser_playable").asBoolean());
        assertTrue(cams.get(0).get("warning").isNull());
        assertEquals("mjpeg", cams.get(1).get("video_codec").asText());
        assertFalse(cams.get(1).get("browser_playable").asBoolean());
        assertTrue(cams.get(1).get("warning").asText().contains("browsers cannot play"), r.out());
        Cli table = Cli.run("cameras", "--config", config.toString());
        List<String> notes = table.out().lines().filter(l -> l.contains("mjpeg")).toList();
        assertEquals(1, notes.size(), table.out());
        assertTrue(notes.get(0).startsWith("cam-02"), table.out());
    }

    @Test
    void camerasShowsEachCamerasSourceAndAFallbackToFfmpeg() throws Exception {
        indexThreeSegments();
        try (IndexWriter w = IndexWriter.open(dir.resolve("footage/index.db"))) {
            w.cameraSource("thon-1", "cam-02", "ffmpeg", "mjpeg", T0).get();
        }
        Cli r = Cli.run("cameras", "--config", config.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode cams = new ObjectMapper().readTree(r.out());
        assertEquals(org.nvr.config.Source.DEFAULT.label(), cams.get(0).get("source").asText(), "not published: the config's");
        assertTrue(cams.get(0).get("source_fallback").isNull());
        assertEquals("ffmpeg", cams.get(1).get("source").asText());
        assertEquals("mjpeg", cams.get(1).get("source_fallback").asText());
        Cli table = Cli.run("--lang", "en", "cameras", "--config", config.toString());
        assertTrue(table.out().contains("ffmpeg (fallback: mjpeg)"), table.out());
    }

    @Test
    void anUnknownSourceExitsTwoNamingTheKey() throws Exception {
        Files.writeString(config, Files.readString(config).replace("url: rtsp://192.0.2.11/stream",
                "url: rtsp://192.0.2.11/stream\n        source: gstreamer"));
        Cli r = Cli.run("check-config", "--config", config.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("sites[0].cameras[1].source"), r.err());
        assertTrue(r.err().contains("expected rtsp or ffmpeg"), r.err());
    }

    @Test
    void helpListsTheCommands() {
        Cli r = Cli.run("--help");
        assertEquals(0, r.exitCode());
        for (String c : new String[] {"run", "demo", "check-config", "cameras", "footage"}) {
            assertTrue(r.out().contains(c), c);
        }
    }
}
