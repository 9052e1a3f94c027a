import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import org.nvr.index.IndexWriter;
import org.nvr.mp4.Mp4Probe;
import org.nvr.store.SegmentFinisher;

/**
 * Benchmark fixture: COUNT copies of one fragmented MP4 clip indexed back to back as a camera's
 * footage (hashed, as the recorder would). Usage: ExportFixture ROOT CLIP COUNT START_EPOCH_MS
 */
public class ExportFixture {
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path clip = Path.of(args[1]);
        int count = Integer.parseInt(args[2]);
        Instant start = Instant.ofEpochMilli(Long.parseLong(args[3]));
        Mp4Probe.Contents contents = Mp4Probe.probe(clip).orElseThrow();
        Duration d = contents.duration();
        String sha = SegmentFinisher.sha256(clip);
        long bytes = Files.size(clip);
        try (IndexWriter w = IndexWriter.open(root.resolve("index.db"))) {
            long run = w.startRun("site-1", "cam-x", start, contents.videoCodec(), contents.width(), contents.height(),
                    "aac").get();
            for (int i = 0; i < count; i++) {
                Instant s = start.plus(d.multipliedBy(i));
                String rel = "site-1/cam-x/" + i + ".mp4";
                Path file = root.resolve(rel);
                Files.createDirectories(file.getParent());
                Files.copy(clip, file, StandardCopyOption.REPLACE_EXISTING);
                long id = w.openSegment(run, "site-1", "cam-x", rel, s, contents.videoCodec(), contents.width(),
                        contents.height(), "aac").get();
                w.closeSegment(id, s.plus(d), d, bytes, contents.frames(), sha).get();
            }
            w.endRun(run, start.plus(d.multipliedBy(count)), "shutdown", null).get();
        }
        System.out.printf("export fixture: %d segments of %.1f s, %,d MB in all%n", count, d.toMillis() / 1000.0,
                bytes * count / 1_000_000);
    }
}
