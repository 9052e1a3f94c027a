package org.nvr.footage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.mp4.Mp4Fragments;
import org.nvr.testing.FragmentedMp4;
import org.nvr.testing.MediaProbe;

/** A snapshot from a segment whose last fragment is torn, as one still being written is. */
class SnapshotWriterTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    @Test
    void aSegmentBeingWrittenIsReadUpToItsLastCompleteFragment() throws Exception {
        Path segment = dir.resolve("storage/open.mp4");
        FragmentedMp4.write(segment, 4); // 1 s fragments (GOP 25 at 25 fps)
        Mp4Fragments.Layout whole = Mp4Fragments.inspect(segment);
        assertEquals(4, whole.fragments());
        // the third fragment's pictures are the first 75 in decoding order; the last shown is the latest
        double lastComplete = MediaProbe.videoPackets(segment).subList(0, 75).stream()
                .mapToDouble(MediaProbe.Packet::ptsTime).max().orElseThrow();
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(whole.fileLength() - 500); // the fourth fragment is being written
        }
        assertTrue(Mp4Fragments.inspect(segment).torn());

        Path out = dir.resolve("in-complete-part.jpg");
        try (OutputFile claimed = OutputFile.claim(out, dir.resolve("storage"), false)) {
            SnapshotWriter.Result r = SnapshotWriter.write(segment, T0, T0.plusMillis(1500), claimed);
            claimed.publish();
            assertEquals(T0.plusMillis(1480), r.pictureTime());
            assertEquals(160, r.width());
        }
        assertEquals(List.of(), MediaProbe.decodeErrors(out));

        Path last = dir.resolve("in-torn-part.jpg");
        try (OutputFile claimed = OutputFile.claim(last, dir.resolve("storage"), false)) {
            SnapshotWriter.Result r = SnapshotWriter.write(segment, T0, T0.plusMillis(3900), claimed);
            claimed.publish();
            // the last picture of the third fragment: nothing of the torn one is decoded
            assertEquals(T0.plus(Duration.ofMillis(Math.round(lastComplete * 1000))), r.pictureTime());
        }
        assertEquals(List.of(), MediaProbe.decodeErrors(last));
    }
}
