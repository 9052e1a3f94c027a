package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.IndexWriter;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.FragmentedMp4;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Tmpfs;

/**
 * Where {@code footage export} and {@code footage snapshot} may write: never inside the storage root
 * (the index, the segments), never over something that is not a regular file, and never two exports
 * to one name at once. Footage: three real 3 s segments made by Debian's ffmpeg and indexed directly.
 */
class ExportOutputTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");
    static final String FROM = "2026-11-29T07:00:00Z";
    static final String TO = "2026-11-29T07:00:09Z";

    @TempDir
    Path dir;

    Path root;
    Path config;
    Path out;

    @BeforeEach
    void recordThreeSegments() throws Exception {
        root = dir.resolve("storage");
        out = Files.createDirectories(dir.resolve("usb"));
        config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: %s }
                sites:
                  - id: thon-1
                    cameras:
                      - { id: cam-01, url: "rtsp://192.0.2.10/stream" }
                """.formatted(root));
        try (IndexWriter w = IndexWriter.open(root.resolve("index.db"))) {
            for (int i = 0; i < 3; i++) {
                Instant start = T0.plusSeconds(3L * i);
                String rel = "thon-1/cam-01/2026/11/29/20261129T07000%dZ.mp4".formatted(3 * i);
                Path file = root.resolve(rel);
                FragmentedMp4.write(file, 3);
                long id = w.openSegment(null, "thon-1", "cam-01", rel, start, "h264", 160, 120, null).get();
                w.closeSegment(id, start.plusSeconds(3), Duration.ofSeconds(3), Files.size(file), 75L,
                        SegmentFinisher.sha256(file)).get();
            }
        }
    }

    Cli export(Path output, String... more) {
        List<String> args = new ArrayList<>(List.of("footage", "export", "--camera", "cam-01", "--from", FROM,
                "--to", TO, "--output", output.toString(), "--config", config.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    static void refused(Cli r, int code, String... mentions) {
        assertEquals(code, r.exitCode(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), "mentions " + m + ": " + r.err());
        }
    }

    @Test
    void theIndexIsNeverAnOutputEvenWithOverwrite() throws Exception {
        Path index = root.resolve("index.db");
        byte[] before = Files.readAllBytes(index);
        refused(export(index, "--overwrite"), 2, "storage");
        assertArrayEquals(before, Files.readAllBytes(index));
        refused(Cli.run("footage", "snapshot", "--camera", "cam-01", "--at", "2026-11-29T07:00:01Z", "--output",
                index.toString(), "--overwrite", "--config", config.toString()), 2, "storage");
        assertArrayEquals(before, Files.readAllBytes(index));
        assertEquals(0, Cli.run("footage", "list", "--camera", "cam-01", "--from", FROM, "--to", TO, "--config",
                config.toString()).exitCode(), "the index still opens");
    }

    @Test
    void nothingIsWrittenInsideTheStorageRootNotEvenThroughASymlink() throws Exception {
        Path inLayout = root.resolve("thon-1/cam-02/2026/11/29/20261129T070000Z.mp4");
        Files.createDirectories(inLayout.getParent());
        refused(export(inLayout), 2, "storage");
        refused(export(root.resolve("case-17.mp4")), 2, "storage");
        Path link = Files.createSymbolicLink(dir.resolve("looks-like-usb"), root.resolve("thon-1"));
        refused(export(link.resolve("x.mp4")), 2, "storage");
        try (var files = Files.walk(root)) {
            assertEquals(0, files.filter(f -> f.getFileName().toString().contains("x.mp4")
                    || f.toString().contains("cam-02/2026/11/29/2") || f.getFileName().toString().startsWith("case"))
                    .count(), "nothing written under the root");
        }
    }

    @Test
    void aTargetThatIsNotARegularFileIsRefusedEvenWithOverwrite() throws Exception {
        // a FIFO of our own, never a real device: on a build without the check it would be replaced
        Path fifo = out.resolve("pipe.mp4");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        refused(export(fifo, "--overwrite"), 2, "pipe.mp4", "regular file");
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo) && !Files.isDirectory(fifo));

        Path toIndex = Files.createSymbolicLink(out.resolve("case.mp4"), root.resolve("index.db"));
        byte[] index = Files.readAllBytes(root.resolve("index.db"));
        refused(export(toIndex, "--overwrite"), 2, "case.mp4");
        assertTrue(Files.isSymbolicLink(toIndex));
        assertArrayEquals(index, Files.readAllBytes(root.resolve("index.db")));

        // the manifest's name is taken by a directory: refused before anything is written
        Files.createDirectories(out.resolve("x.mp4.json"));
        refused(export(out.resolve("x.mp4"), "--overwrite"), 2, "x.mp4.json");
        assertFalse(Files.exists(out.resolve("x.mp4")));
    }

    @Test
    void anExportInProgressToTheSameNameMakesTheSecondFail() throws Exception {
        Path target = out.resolve("case.mp4");
        // what a concurrent export holds while it writes case.mp4
        try (FileChannel ch = FileChannel.open(out.resolve(".case.mp4.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            refused(export(target, "--overwrite"), 1, "case.mp4", "another export");
            assertFalse(Files.exists(target));
            assertFalse(Files.exists(out.resolve("case.mp4.json")));
        }
        Cli ok = export(target);
        assertEquals(0, ok.exitCode(), ok.err());
        JsonNode m = JSON.readTree(out.resolve("case.mp4.json").toFile());
        assertEquals(SegmentFinisher.sha256(target), m.get("sha256").asText());
        assertEquals("case.mp4", m.get("file").asText());
        assertEquals(List.of(), MediaProbe.decodeErrors(target));
        try (var files = Files.list(out)) {
            assertEquals(List.of("case.mp4", "case.mp4.json"),
                    files.map(f -> f.getFileName().toString()).sorted().toList(), "no temp or lock file left");
        }
        assertTrue(Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS));
        refused(export(target), 2, "case.mp4", "--overwrite");
    }

    /**
     * A USB stick that fills up with the MP4: the manifest cannot be written, so the export fails as a
     * whole (exit 1), leaves nothing on the stick and is audited. The stick is a tmpfs with room for the
     * MP4 (its size known from the same export elsewhere) and the lock file, and not one page more.
     */
    @Test
    void aManifestThatCannotBeWrittenFailsTheExportAndIsAudited() throws Exception {
        Cli first = export(out.resolve("probe.mp4"));
        assertEquals(0, first.exitCode(), first.err());
        long mp4 = Files.size(out.resolve("probe.mp4"));
        try (Tmpfs stick = Tmpfs.mount(1)) {
            long page = 4096;
            long needed = (mp4 + page - 1) / page * page + page; // the MP4 and the lock file's token
            long filler = stick.free() - needed;
            assertTrue(filler >= 0, "a 1 MiB tmpfs holds a " + mp4 + "-byte export");
            Files.write(stick.dir().resolve("filler"), new byte[(int) filler]);
            assertEquals(needed, stick.free());

            Path target = stick.dir().resolve("case.mp4");
            Cli r = export(target, "--reason", "case 9/2026");
            refused(r, 1, "case.mp4", "manifest");
            try (var files = Files.list(stick.dir())) {
                assertEquals(List.of("filler"), files.map(f -> f.getFileName().toString()).toList(),
                        "no MP4 without its manifest, no temporary file left");
            }
        }
        Cli audit = Cli.run("footage", "audit", "--json", "--config", config.toString());
        JsonNode last = null;
        for (JsonNode l : JSON.readTree(audit.out())) {
            last = l;
        }
        assertEquals("export", last.get("action").asText());
        assertTrue(last.get("detail").asText().startsWith("failed") && last.get("detail").asText().contains("manifest"),
                last.toString());
        assertTrue(last.get("output").isNull(), last.toString());
    }
}
