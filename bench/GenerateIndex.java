import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import org.nvr.index.IndexDatabase;

/**
 * Benchmark fixture: an index with ROWS segment rows (60 s each, CAMERAS cameras, one site), written by
 * SQL in one statement so 10 million rows take about a minute. Usage: GenerateIndex DB ROWS CAMERAS START_EPOCH_MS
 */
public class GenerateIndex {
    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        long rows = Long.parseLong(args[1]);
        int cameras = Integer.parseInt(args[2]);
        long start = Long.parseLong(args[3]);
        Files.deleteIfExists(db);
        long t0 = System.nanoTime();
        try (Connection c = IndexDatabase.open(db); Statement st = c.createStatement()) {
            st.execute("PRAGMA synchronous = OFF");
            c.setAutoCommit(false);
            // Insert in start order per camera, like a recorder does, with the (camera, start_ms) index live.
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
                    INSERT INTO segments (site, camera, path, state, start_ms, end_ms, duration_ms, bytes, frames,
                                          video_codec, width, height, audio_codec, sha256)
                    SELECT 'site-1', printf('cam-%02d', i % ?), printf('site-1/cam-%02d/%d.mp4', i % ?, i),
                           'closed', ? + (i / ?) * 60000, ? + (i / ?) * 60000 + 60000, 60000, 30000000, 1500,
                           'h264', 1920, 1080, 'aac', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
                      FROM n""")) {
                ps.setLong(1, rows);
                ps.setInt(2, cameras);
                ps.setInt(3, cameras);
                ps.setLong(4, start);
                ps.setInt(5, cameras);
                ps.setLong(6, start);
                ps.setInt(7, cameras);
                ps.executeUpdate();
            }
            c.commit();
            c.setAutoCommit(true);
            st.execute("ANALYZE");
        }
        System.out.printf("index: %,d segment rows for %d cameras in %.1f s (%s, %,d MB)%n", rows, cameras,
                (System.nanoTime() - t0) / 1e9, db, Files.size(db) / 1_000_000);
    }
}
