package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.IndexWriter;
import org.nvr.mp4.Mp4Probe;
import org.nvr.store.SegmentFinisher;
import org.nvr.store.SegmentPaths;
import org.nvr.testing.ExternalCommand;
import org.nvr.testing.FragmentedMp4;
import org.nvr.testing.MediaProbe;

/**
 * The query commands on footage the operator may read but not write (a read-only mount, a copy of the
 * disk for an investigation, a user outside the recorder's group): they answer from the index without
 * creating, migrating or changing anything; and a reader never turns an empty {@code index.db} into a
 * fresh one. The storage root is bind-mounted read-only onto itself (needs root, as CI has).
 */
class ReadOnlyIndexTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");
    static final String FROM = "2026-11-29T07:00:00Z";
    static final String TO = "2026-11-29T07:00:08Z";

    @TempDir
    Path dir;

    Path root;
    Path config;
    boolean mounted;

    @BeforeEach
    void footage() throws Exception {
        root = dir.resolve("footage");
        config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: %s }
                sites:
                  - id: thon-1
                    cameras:
                      - { id: cam-01, url: "rtsp://192.0.2.10/stream" }
                """.formatted(root));
        Path clip = dir.resolve("clip.mp4");
        FragmentedMp4.write(clip, 4);
        Mp4Probe.Contents contents = Mp4Probe.probe(clip).orElseThrow();
        try (IndexWriter w = IndexWriter.open(root.resolve("index.db"))) {
            long run = w.startRun("thon-1", "cam-01", T0, "h264", 160, 120, null).get();
            for (int i = 0; i < 2; i++) {
                Instant s = T0.plusSeconds(4L * i);
                String rel = SegmentPaths.newSegment(root, "thon-1", "cam-01", s);
                Files.createDirectories(root.resolve(rel).getParent());
                Files.copy(clip, root.resolve(rel));
                long id = w.openSegment(run, "thon-1", "cam-01", rel, s, "h264", 160, 120, null).get();
                w.closeSegment(id, s.plusSeconds(4), Duration.ofSeconds(4), Files.size(clip), contents.frames(),
                        SegmentFinisher.sha256(clip)).get();
            }
            w.endRun(run, T0.plusSeconds(8), "shutdown", null).get();
        }
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            ExternalCommand.Result r = ExternalCommand.run(List.of("umount", root.toString()), Duration.ofSeconds(20));
            if (r.exitCode() != 0) {
                ExternalCommand.run(List.of("umount", "-l", root.toString()), Duration.ofSeconds(20));
            }
        }
    }

    private void mountReadOnly() throws Exception {
        for (List<String> cmd : List.of(List.of("mount", "--bind", root.toString(), root.toString()),
                List.of("mount", "-o", "remount,bind,ro", root.toString()))) {
            ExternalCommand.Result r = ExternalCommand.run(cmd, Duration.ofSeconds(20));
            assertEquals(0, r.exitCode(), "needs root, as CI has: " + cmd + ": " + r.stderr());
            mounted = true;
        }
        assertFalse(Files.isWritable(root), "the mount is read-only");
    }

    Cli run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(config.toString());
        return Cli.run(all.toArray(String[]::new));
    }

    private List<String> listing() throws Exception {
        try (Stream<Path> files = Files.list(root)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void queryCommandsWorkOnAReadOnlyMountAndChangeNothing() throws Exception {
        byte[] index = Files.readAllBytes(root.resolve("index.db"));
        List<String> before = listing();
        mountReadOnly();

        for (String[] command : List.of(new String[] {"cameras"}, new String[] {"cameras", "--json"},
                new String[] {"footage", "list", "--camera", "cam-01", "--from", FROM, "--to", TO},
                new String[] {"footage", "gaps", "--camera", "cam-01", "--from", "2026-11-29T06:59:00Z", "--to", TO},
                new String[] {"footage", "locks"}, new String[] {"footage", "audit"},
                new String[] {"uptime", "--from", FROM, "--to", TO}, new String[] {"verify"})) {
            Cli r = run(command);
            assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r.err() + r.out());
        }
        assertTrue(run("footage", "list", "--camera", "cam-01", "--from", FROM, "--to", TO).out().contains("T070004Z.mp4"));

        Path out = dir.resolve("case-17.mp4");
        Cli export = run("footage", "export", "--camera", "cam-01", "--from", FROM, "--to", TO, "--output",
                out.toString(), "--reason", "copy of the disk, case 17");
        assertEquals(0, export.exitCode(), export.err());
        assertEquals(List.of(), MediaProbe.decodeErrors(out));
        assertTrue(export.err().contains("audit") && export.err().contains("read-only"),
                "says the export could not be written to the audit log: " + export.err());

        Path still = dir.resolve("still.jpg");
        Cli snapshot = run("footage", "snapshot", "--camera", "cam-01", "--at", "2026-11-29T07:00:05Z", "--output",
                still.toString());
        assertEquals(0, snapshot.exitCode(), snapshot.err());
        assertTrue(Files.size(still) > 0);
        assertTrue(snapshot.err().contains("audit") && snapshot.err().contains("read-only"), snapshot.err());

        assertEquals(before, listing(), "no -wal, -shm or journal created");
        assertArrayEquals(index, Files.readAllBytes(root.resolve("index.db")), "index unchanged");
    }

    @Test
    void anEmptyIndexFileIsReportedNotGivenASchema() throws Exception {
        Files.write(root.resolve("index.db"), new byte[0]);
        for (String[] command : List.of(new String[] {"cameras"},
                new String[] {"footage", "list", "--camera", "cam-01", "--from", FROM, "--to", TO},
                new String[] {"uptime", "--from", FROM, "--to", TO}, new String[] {"verify"})) {
            Cli r = run(command);
            assertEquals(1, r.exitCode(), String.join(" ", command) + ": " + r.err());
            assertTrue(r.err().contains(root.resolve("index.db").toString()) && r.err().contains("empty"), r.err());
            assertEquals(0, Files.size(root.resolve("index.db")), "still empty after " + String.join(" ", command));
        }
    }

    @Test
    void aReadOnlyViewSeesWhatTheRecorderIsWriting() throws Exception {
        Path view = Files.createDirectories(dir.resolve("view"));
        Path viewConfig = Files.writeString(dir.resolve("view.yaml"), Files.readString(config)
                .replace(root.toString(), view.toString()));
        for (List<String> cmd : List.of(List.of("mount", "--bind", root.toString(), view.toString()),
                List.of("mount", "-o", "remount,bind,ro", view.toString()))) {
            ExternalCommand.Result r = ExternalCommand.run(cmd, Duration.ofSeconds(20));
            assertEquals(0, r.exitCode(), "needs root, as CI has: " + cmd + ": " + r.stderr());
        }
        try {
            // the recorder is running: its -wal and -shm exist, and it commits while the operator reads
            try (IndexWriter w = IndexWriter.open(root.resolve("index.db"))) {
                long run = w.startRun("thon-1", "cam-01", T0.plusSeconds(60), "h264", 160, 120, null).get();
                assertTrue(Files.exists(view.resolve("index.db-wal")), "the writer's WAL is there");
                w.openSegment(run, "thon-1", "cam-01", "footage/thon-1/cam-01/live.mp4", T0.plusSeconds(60), "h264", 160, 120,
                        null).get();
                Cli list = Cli.run("footage", "list", "--config", viewConfig.toString(), "--camera", "cam-01",
                        "--from", FROM, "--to", "2026-11-29T07:02:00Z");
                assertEquals(0, list.exitCode(), list.err());
                assertTrue(list.out().contains("live.mp4"), "sees the recorder's last commit: " + list.out());
            }
            // SQLite keeps a closed reader's descriptor until the process's last connection to the file
            // closes (POSIX locks are per process), so the view is unmounted only after the writer closed
        } finally {
            ExternalCommand.Result r = ExternalCommand.run(List.of("umount", view.toString()), Duration.ofSeconds(20));
            if (r.exitCode() != 0) {
                ExternalCommand.run(List.of("umount", "-l", view.toString()), Duration.ofSeconds(20));
            }
            assertEquals(0, r.exitCode(), r.stderr());
        }
    }
}
