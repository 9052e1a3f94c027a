package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nvr.index.IndexWriter;

/**
 * Every error path of the operator commands: the exit code the contract gives it, and one line on
 * stderr that names the wrong thing and never a credential. Runs on an index written directly
 * (segments whose files do not exist), so no footage is needed.
 */
class OperatorErrorsTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");
    static final String FROM = "2026-11-29T07:00:00Z";
    static final String TO = "2026-11-29T07:03:00Z";

    @TempDir
    Path dir;

    Path config;

    @BeforeEach
    void writeConfigAndIndex() throws Exception {
        config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: %s }
                sites:
                  - id: thon-1
                    cameras:
                      - { id: cam-01, url: "rtsp://admin:secret%%40pw@192.0.2.10/stream" }
                      - { id: cam-02, url: "rtsp://192.0.2.11/stream" }
                """.formatted(dir.resolve("footage")));
        try (IndexWriter w = IndexWriter.open(dir.resolve("footage/index.db"))) {
            long run = w.startRun("thon-1", "cam-01", T0, "h264", 640, 360, null).get();
            long id = w.openSegment(run, "thon-1", "cam-01", "thon-1/cam-01/a.mp4", T0, "h264", 640, 360, null).get();
            w.closeSegment(id, T0.plusSeconds(60), Duration.ofSeconds(60), 1000, 1500L, "00ff").get();
            // cam-02: only a segment still being written
            long run2 = w.startRun("thon-1", "cam-02", T0, "h264", 640, 360, null).get();
            w.openSegment(run2, "thon-1", "cam-02", "thon-1/cam-02/b.mp4", T0, "h264", 640, 360, null).get();
        }
    }

    Cli run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(config.toString());
        return Cli.run(all.toArray(String[]::new));
    }

    static void oneLine(Cli r, int code, String... mentions) {
        assertEquals(code, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("nvr: "), r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), "mentions " + m + ": " + r.err());
        }
        assertFalse(r.err().contains("secret"), r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"list", "gaps", "export", "lock", "unlock"})
    void unknownCameraIsAUsageErrorNamingItAndTheConfiguredOnes(String command) {
        List<String> args = new ArrayList<>(List.of("footage", command, "--camera", "cam-99", "--from", FROM, "--to", TO));
        if (command.equals("export")) {
            args.addAll(List.of("--output", dir.resolve("x.mp4").toString()));
        }
        oneLine(run(args.toArray(String[]::new)), 2, "cam-99", "cam-01, cam-02");
    }

    @Test
    void unknownCameraForSnapshotLocksAndAudit() {
        oneLine(run("footage", "snapshot", "--camera", "cam-99", "--at", FROM, "--output",
                dir.resolve("x.jpg").toString()), 2, "cam-99");
        oneLine(run("footage", "locks", "--camera", "cam-99"), 2, "cam-99");
        oneLine(run("footage", "audit", "--camera", "cam-99"), 2, "cam-99");
    }

    @Test
    void badTimesNameTheOptionAndTheText() {
        oneLine(run("footage", "gaps", "--camera", "cam-01", "--from", "last tuesday", "--to", TO), 2,
                "--from", "last tuesday");
        oneLine(run("footage", "export", "--camera", "cam-01", "--from", FROM, "--to", "2026-13-01 10:00",
                "--output", dir.resolve("x.mp4").toString()), 2, "--to", "2026-13-01 10:00");
        oneLine(run("footage", "snapshot", "--camera", "cam-01", "--at", "noon", "--output",
                dir.resolve("x.jpg").toString()), 2, "--at", "noon");
        oneLine(run("uptime", "--from", "-5w", "--to", "now"), 2, "--from", "-5w");
        oneLine(run("footage", "audit", "--from", "yesterday"), 2, "--from", "yesterday");
        oneLine(run("footage", "lock", "--camera", "cam-01", "--from", TO, "--to", FROM), 2, "--to", "--from");
    }

    @Test
    void missingOptionsUnknownOptionsAndBadLanguage() {
        oneLine(run("footage", "export", "--camera", "cam-01", "--from", FROM, "--to", TO), 2, "--output");
        oneLine(run("footage", "snapshot", "--camera", "cam-01", "--output", "x.jpg"), 2, "--at");
        oneLine(run("footage", "gaps", "--camera", "cam-01", "--from", FROM, "--to", TO, "--frobnicate"), 2,
                "--frobnicate");
        oneLine(run("--lang", "fr", "cameras"), 2, "fr");
        oneLine(run("--lang", "vi", "footage", "export", "--camera", "cam-01", "--from", FROM, "--to", TO), 2,
                "thiếu tùy chọn bắt buộc", "--output");
    }

    @Test
    void unknownSiteForUptime() {
        oneLine(run("uptime", "--site", "thon-9", "--from", FROM, "--to", TO), 2, "thon-9", "thon-1");
    }

    @Test
    void outputThatCannotBeWrittenOrWouldBeOverwritten() throws Exception {
        oneLine(run("footage", "export", "--camera", "cam-01", "--from", FROM, "--to", TO, "--output",
                dir.resolve("nope/x.mp4").toString()), 2, "--output", "nope");
        Path existing = Files.writeString(dir.resolve("old.mp4"), "evidence from another case");
        oneLine(run("footage", "export", "--camera", "cam-01", "--from", FROM, "--to", TO, "--output",
                existing.toString()), 2, "old.mp4", "--overwrite");
        assertEquals("evidence from another case", Files.readString(existing));
        oneLine(run("footage", "export", "--camera", "cam-01", "--from", FROM, "--to", TO, "--output",
                dir.toString()), 2, dir.toString());
        oneLine(run("footage", "snapshot", "--camera", "cam-01", "--at", FROM, "--output",
                existing.toString()), 2, "old.mp4");
    }

    @Test
    void noFootageInTheRangeIsExitThree() {
        String from = "2026-11-29T09:00:00Z";
        String to = "2026-11-29T09:05:00Z";
        oneLine(run("footage", "export", "--camera", "cam-01", "--from", from, "--to", to, "--output",
                dir.resolve("x.mp4").toString()), 3, "cam-01");
        oneLine(run("footage", "snapshot", "--camera", "cam-01", "--at", from, "--output",
                dir.resolve("x.jpg").toString()), 3, "cam-01");
        Cli gaps = run("footage", "gaps", "--camera", "cam-01", "--from", from, "--to", to);
        assertEquals(3, gaps.exitCode(), gaps.err());
        assertEquals(3, run("footage", "list", "--camera", "cam-01", "--from", from, "--to", to).exitCode());
        assertFalse(Files.exists(dir.resolve("x.mp4")));
    }

    @Test
    void footageStillBeingRecordedIsNotExported() {
        oneLine(run("footage", "export", "--camera", "cam-02", "--from", FROM, "--to", TO, "--output",
                dir.resolve("x.mp4").toString()), 3, "cam-02", "still being recorded");
    }

    @Test
    void aSourceWhoseFileIsGoneRefusesTheExport() {
        Cli r = run("footage", "export", "--camera", "cam-01", "--from", FROM, "--to", TO, "--output",
                dir.resolve("x.mp4").toString());
        oneLine(r, 1, "a.mp4", "missing");
        assertFalse(Files.exists(dir.resolve("x.mp4")));
        assertFalse(Files.exists(dir.resolve("x.mp4.json")));
    }

    @Test
    void unlockingWhatIsNotHeldFails() {
        oneLine(run("footage", "unlock", "--camera", "cam-01", "--from", FROM, "--to", TO), 1, "cam-01");
    }

    @Test
    void noIndexIsARunTimeFailure() throws Exception {
        Files.writeString(config, Files.readString(config).replace(dir.resolve("footage").toString(),
                dir.resolve("empty").toString()));
        oneLine(run("footage", "gaps", "--camera", "cam-01", "--from", FROM, "--to", TO), 1, "index");
        oneLine(run("uptime", "--from", FROM, "--to", TO), 1, "index");
        oneLine(run("footage", "lock", "--camera", "cam-01", "--from", FROM, "--to", TO), 1, "index");
        assertFalse(Files.exists(dir.resolve("empty/index.db")), "no index created by a query");
    }

    @Test
    void badConfigurationIsAUsageErrorNamingTheKey() throws Exception {
        Files.writeString(config, Files.readString(config).replace("id: cam-02", "id: cam-01"));
        oneLine(run("footage", "gaps", "--camera", "cam-01", "--from", FROM, "--to", TO), 2, "sites[0].cameras[1].id");
    }
}
