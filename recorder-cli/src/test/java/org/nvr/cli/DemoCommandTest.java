package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.testing.MediaProbe;

/** The README's first command: the demo records simulated cameras into footage that decodes. */
class DemoCommandTest {
    @TempDir
    Path root;

    @Test
    void demoRecordsFootageThatDecodes() throws Exception {
        Cli r = Cli.run("demo", "--cameras", "2", "--duration", "12s", "--segment-seconds", "4", "--root", root.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("footage: " + root), r.out());
        assertTrue(r.out().contains("metrics: http://127.0.0.1:"), r.out());
        assertTrue(r.out().matches("(?s).*pages:   http://127\\.0\\.0\\.1:\\d+/ \\(user demo, password [a-z0-9]{12};.*"), r.out());
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            for (String cam : List.of("demo-01", "demo-02")) {
                List<SegmentRow> segs = q.segments(cam, Instant.EPOCH, Instant.now());
                assertTrue(segs.size() >= 2, cam + ": " + segs.size() + " segments");
                for (SegmentRow s : segs) {
                    assertEquals(SegmentState.CLOSED, s.state());
                    Path file = root.resolve(s.path());
                    assertEquals(List.of(), MediaProbe.decodeErrors(file), s.path());
                    assertEquals(s.frames().longValue(), MediaProbe.frameCount(file), s.path());
                }
            }
        }
        Cli list = Cli.run("footage", "list", "--config", root.resolve("demo.yaml").toString(), "--camera", "demo-01",
                "--from", "-1h", "--to", "now");
        assertEquals(0, list.exitCode(), list.err());
    }
}
