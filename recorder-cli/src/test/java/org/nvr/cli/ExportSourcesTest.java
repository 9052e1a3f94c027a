package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.FragmentedMp4;
import org.nvr.testing.MediaProbe;

/**
 * Sources an export cannot use: with {@code --allow-mismatch} a segment whose file is gone is a gap of
 * the export, listed in the manifest with its reason where its time was cut out of the video. Footage:
 * three real 3 s segments made by Debian's ffmpeg and indexed directly.
 */
class ExportSourcesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    Path root;
    Path config;
    List<String> paths;

    @BeforeEach
    void recordThreeSegments() throws Exception {
        root = dir.resolve("storage");
        config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: %s }
                sites:
                  - id: thon-1
                    cameras:
                      - { id: cam-01, url: "rtsp://192.0.2.10/stream" }
                """.formatted(root));
        paths = new java.util.ArrayList<>();
        try (IndexWriter w = IndexWriter.open(root.resolve("index.db"))) {
            for (int i = 0; i < 3; i++) {
                Instant start = T0.plusSeconds(3L * i);
                String rel = "thon-1/cam-01/2026/11/29/20261129T07000%dZ.mp4".formatted(3 * i);
                Path file = root.resolve(rel);
                FragmentedMp4.write(file, 3);
                long id = w.openSegment(null, "thon-1", "cam-01", rel, start, "h264", 160, 120, null).get();
                w.closeSegment(id, start.plusSeconds(3), Duration.ofSeconds(3), Files.size(file), 75L,
                        SegmentFinisher.sha256(file)).get();
                paths.add(rel);
            }
        }
    }

    @Test
    void aMissingSegmentIsAGapOfTheExportWithItsReason() throws Exception {
        Files.delete(root.resolve(paths.get(1)));
        Path out = dir.resolve("case.mp4");
        Cli r = Cli.run("footage", "export", "--camera", "cam-01", "--from", "2026-11-29T07:00:00Z", "--to",
                "2026-11-29T07:00:09Z", "--output", out.toString(), "--allow-mismatch", "--config", config.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode m = JSON.readTree(dir.resolve("case.mp4.json").toFile());
        JsonNode gaps = m.get("gaps");
        assertEquals(1, gaps.size(), gaps.toString());
        JsonNode gap = gaps.get(0);
        assertEquals("missing_file", gap.get("reason").asText());
        assertEquals(T0.plusSeconds(3), OffsetDateTime.parse(gap.get("start").asText()).toInstant());
        assertEquals(T0.plusSeconds(6), OffsetDateTime.parse(gap.get("end").asText()).toInstant());
        assertTrue(gap.get("detail").asText().contains(paths.get(1)), gap.toString());
        assertTrue(r.err().contains("missing_file"), r.err());
        // the video holds what the manifest says: 9 s asked for, 3 s of them cut out
        assertEquals(6.0, m.get("duration_s").asDouble(), 0.05);
        assertEquals(6000, MediaProbe.duration(out).toMillis(), 50.0);
        assertEquals(List.of(), MediaProbe.decodeErrors(out));
    }
}
