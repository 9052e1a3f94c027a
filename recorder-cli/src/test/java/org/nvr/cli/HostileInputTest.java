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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.IndexWriter;

/**
 * Careless and hostile input to the operator commands: impossible or extreme times, empty ranges, and
 * text with control characters that would draw fake rows or drive the operator's terminal. Runs on an
 * index written directly (segments whose files do not exist), so no footage is needed.
 */
class HostileInputTest {
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
                      - { id: cam-01, url: "rtsp://192.0.2.10/stream" }
                """.formatted(dir.resolve("footage")));
        try (IndexWriter w = IndexWriter.open(dir.resolve("footage/index.db"))) {
            long run = w.startRun("thon-1", "cam-01", T0, "h264", 640, 360, null).get();
            long id = w.openSegment(run, "thon-1", "cam-01", "thon-1/cam-01/a.mp4", T0, "h264", 640, 360, null).get();
            w.closeSegment(id, T0.plusSeconds(60), Duration.ofSeconds(60), 1000, 1500L, "00ff").get();
        }
    }

    Cli run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(config.toString());
        return Cli.run(all.toArray(String[]::new));
    }

    static void usageError(Cli r, String... mentions) {
        assertEquals(2, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), "mentions " + m + ": " + r.err());
        }
        assertFalse(r.err().contains("overflow") || r.err().contains("Exception"), r.err());
    }

    @Test
    void impossibleDatesAreUsageErrorsNotClamped() {
        usageError(run("footage", "list", "--camera", "cam-01", "--from", "2026-02-30T10:00", "--to", TO),
                "--from", "2026-02-30T10:00");
        usageError(run("footage", "gaps", "--camera", "cam-01", "--from", FROM, "--to", "2026-02-29 10:00"),
                "--to", "2026-02-29 10:00");
    }

    @Test
    void extremeTimesAreUsageErrors() {
        usageError(run("footage", "list", "--camera", "cam-01", "--from", "-99999999999999999999d", "--to", TO),
                "--from", "-99999999999999999999d");
        usageError(run("footage", "gaps", "--camera", "cam-01", "--from", "-9999999999999999d", "--to", TO),
                "--from");
        usageError(run("uptime", "--from", FROM, "--to", "+999999999-12-31T23:59:59Z"), "--to");
        usageError(run("footage", "audit", "--from", "-999999999-01-01T00:00Z"), "--from");
    }

    @Test
    void theWidestAcceptedRangeWorksEverywhere() {
        String from = "0000-01-01T00:00Z";
        String to = "9999-12-31T23:59:59Z";
        for (String[] command : List.of(
                new String[] {"footage", "list", "--camera", "cam-01", "--from", from, "--to", to},
                new String[] {"footage", "gaps", "--camera", "cam-01", "--from", from, "--to", to, "--json"},
                new String[] {"footage", "audit", "--from", from, "--to", to},
                new String[] {"uptime", "--from", from, "--to", to, "--json"},
                new String[] {"uptime", "--from", from, "--to", to})) {
            Cli r = run(command);
            assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r.err());
            assertFalse(r.out().contains("NaN"), r.out());
        }
    }

    @Test
    void uptimeOverAnEmptyRangeIsAUsageErrorNotNaN() {
        Cli r = run("uptime", "--from", "now", "--to", "now");
        usageError(r, "--to", "--from");
        assertFalse(r.out().contains("NaN"), r.out());
    }

    @Test
    void controlCharactersInAReasonAreShownEscapedInTablesAndExactInJson() throws Exception {
        String reason = "case 12\n3   cam-01  2026-01-01 00:00:00  fake row\r\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202eend";
        Cli lock = run("footage", "lock", "--camera", "cam-01", "--from", FROM, "--to", TO, "--reason", reason);
        assertEquals(0, lock.exitCode(), lock.err());

        for (String[] command : List.of(new String[] {"footage", "locks"}, new String[] {"footage", "audit"})) {
            Cli table = run(command);
            assertEquals(0, table.exitCode(), table.err());
            assertEquals(2, table.out().lines().count(), "a header and one row: " + table.out());
            assertTrue(table.out().contains("case 12\\n3   cam-01"), table.out());
            assertTrue(table.out().contains("\\r\\x1b[2J\\x1b]0;pwned\\x07\\u009b31m\\u202eend"), table.out());
            for (char c : table.out().toCharArray()) {
                assertFalse(c != '\n' && (Character.isISOControl(c) || c == '\u202e'),
                        "raw control character " + (int) c + " in: " + table.out());
            }

            List<String> json = new ArrayList<>(List.of(command));
            json.add("--json");
            Cli j = run(json.toArray(String[]::new));
            assertEquals(0, j.exitCode(), j.err());
            JsonNode first = new ObjectMapper().readTree(j.out()).get(0);
            assertEquals(reason, first.get("reason").asText(), "JSON keeps the exact text");
        }
    }

    @Test
    void controlCharactersInConfiguredNamesAreShownEscaped() throws Exception {
        Files.writeString(config, Files.readString(config).replace("url: \"rtsp://192.0.2.10/stream\"",
                "url: \"rtsp://192.0.2.10/stream\", name: \"Gate\\e[2J\\nfake\", location: \"A\\x07\\u202eB\""));
        Cli table = run("cameras");
        assertEquals(0, table.exitCode(), table.err());
        assertEquals(2, table.out().lines().count(), table.out());
        assertTrue(table.out().contains("Gate\\x1b[2J\\nfake") && table.out().contains("A\\x07\\u202eB"), table.out());
        Cli json = run("cameras", "--json");
        JsonNode cam = new ObjectMapper().readTree(json.out()).get(0);
        assertEquals("Gate\u001b[2J\nfake", cam.get("name").asText());
        assertEquals("A\u0007\u202eB", cam.get("location").asText());
    }

    @Test
    void checkConfigRefusesDevicesFifosAndHugeFiles() throws Exception {
        usageError(Cli.run("check-config", "--config", "/dev/zero"), "/dev/zero", "not a regular file");
        Path fifo = dir.resolve("fifo.yaml");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        usageError(Cli.run("check-config", "--config", fifo.toString()), fifo.toString(), "not a regular file");
        Path huge = Files.writeString(dir.resolve("huge.yaml"), Files.readString(config) + "#".repeat(2 << 20));
        usageError(Cli.run("check-config", "--config", huge.toString()), huge.toString(), "too large");
        assertEquals(0, Cli.run("check-config", "--config", config.toString()).exitCode());
    }

    @Test
    void demoRootThatCannotBeADirectorySaysWhy() throws Exception {
        usageError(Cli.run("demo", "--root", "/proc/x", "--duration", "1s"), "--root", "/proc/x",
                "no such file or directory");
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        usageError(Cli.run("demo", "--root", file.resolve("sub").toString(), "--duration", "1s"), "--root",
                file.resolve("sub").toString());
    }
}
