package org.nvr.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.mp4.Mp4Fragments;
import org.nvr.rtsp.RtspTransports;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.FootageChecks;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Tmpfs;

/**
 * {@link SegmentRecorder} on frames our RTSP client received from the camera simulator: every frame
 * written, what a crash leaves (a file readable up to its last fragment, which the finisher recovers), and
 * a disk that fills up mid-segment (the session ends as {@code disk_full}, nothing corrupt indexed).
 */
class SegmentRecorderTest {
    static CapturedStream capture;

    @TempDir
    Path dir;

    @BeforeAll
    static void captureFromSimulator() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 100, 1_000_000);
        EventLoopGroup group = RtspTransports.newGroup(1, "segment-recorder-sim-test");
        try (RtspCameraSimulator simulator = new RtspCameraSimulator()) {
            simulator.addCamera("cam", clip);
            simulator.start();
            capture = CapturedStream.capture(group, simulator.url("cam"), CapturedStream.videoSeconds(3.5));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyFrameFromTheSimulatorIsWrittenInOneSecondSegments() throws Exception {
        Replay r = new Replay(dir, Duration.ofSeconds(1));
        r.feed(capture, -1);
        Duration recorded = r.end(FailureReason.EOF);
        r.close();
        List<SegmentRow> rows = r.rows();
        assertTrue(rows.size() >= 3, rows.toString());
        assertEquals(capture.video().size(), rows.stream().mapToLong(SegmentRow::frames).sum(), "frames written = sent");
        assertEquals(rows.size(), FootageChecks.assertIndexEqualsDiskAndEverythingDecodes(dir));
        for (int i = 0; i < rows.size(); i++) {
            SegmentRow row = rows.get(i);
            assertEquals(row.frames().longValue(), MediaProbe.frameCount(dir.resolve(row.path())), row.path());
            if (i > 0) {
                assertEquals(rows.get(i - 1).end(), row.start(), "no hole before " + row.path());
            }
        }
        assertEquals(capture.video().size() * 40L, recorded.toMillis(), "recorded footage");
    }

    /**
     * A kill mid-segment: the recorder is never ended, the file never closed. Every fragment is written
     * whole, at most a second apart, so the file decodes up to its last fragment; the finisher's recovery
     * (what startup does with an open row) indexes what it holds, and cuts off a torn fragment.
     */
    @Test
    void aFileAbandonedMidSegmentIsReadableUpToItsLastFragmentAndRecovered() throws Exception {
        Replay r = new Replay(dir, Duration.ofSeconds(60));
        r.feed(capture, capture.frames().size() * 3 / 4);
        // no end(): the process "died" here
        List<SegmentRow> rows = r.rows();
        assertEquals(1, rows.size());
        assertEquals(SegmentState.OPEN, rows.get(0).state());
        Path file = dir.resolve(rows.get(0).path());
        Path copy = dir.resolve("killed.mp4");
        Files.copy(file, copy);
        Mp4Fragments.Layout layout = Mp4Fragments.inspect(copy);
        assertFalse(layout.torn(), "fragments are written whole");
        assertTrue(layout.fragments() >= 2, layout.toString());
        for (Duration d : MediaProbe.fragmentDurations(copy)) {
            assertTrue(d.compareTo(Duration.ofSeconds(1)) <= 0, "fragment of " + d);
        }
        assertEquals(List.of(), MediaProbe.decodeErrors(copy));
        long onDisk = MediaProbe.frameCount(copy);
        assertTrue(onDisk >= r.videoSent - 25 - 6 && onDisk < r.videoSent, onDisk + " of " + r.videoSent
                + " frames on disk: all but the fragment in progress");
        SegmentFinisher.Recovered recovered = SegmentFinisher.recoverNow(copy).orElseThrow();
        assertEquals(onDisk, recovered.contents().frames());
        assertEquals(0, recovered.tornBytes());

        // killed in the middle of writing a fragment: the torn tail is cut, the rest kept
        long complete = Files.size(copy);
        List<MediaProbe.Packet> before = MediaProbe.videoPackets(copy);
        long lastFragmentFrames = before.size() - countBeforeLastFragment(copy);
        try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            ch.truncate(complete - 100);
        }
        SegmentFinisher.Recovered torn = SegmentFinisher.recoverNow(copy).orElseThrow();
        assertTrue(torn.tornBytes() > 0);
        assertEquals(onDisk - lastFragmentFrames, torn.contents().frames());
        assertEquals(List.of(), MediaProbe.decodeErrors(copy));
        r.close();
    }

    private static long countBeforeLastFragment(Path file) throws IOException {
        List<org.nvr.testing.Mp4Boxes.Fragment> fragments = MediaProbe.fragments(file).stream()
                .filter(f -> f.trackId() == 1).toList();
        return fragments.stream().limit(fragments.size() - 1).mapToLong(org.nvr.testing.Mp4Boxes.Fragment::sampleCount).sum();
    }

    /**
     * The disk fills up mid-segment: the write fails with an IOException, the session ends, the run ends as
     * {@code disk_full}, and the torn segment is recovered with what it holds; nothing indexed is corrupt.
     */
    @Test
    void aFullDiskEndsTheSessionAsDiskFullAndIndexesOnlyWhatDecodes() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(8)) {
            Replay r = new Replay(fs.dir(), Duration.ofSeconds(60));
            long captured = capture.video().stream().mapToLong(f -> f.size()).sum();
            Path filler = fs.dir().resolve("filler");
            try (FileChannel ch = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.allocate((int) (fs.free() - captured / 2)));
            }
            Exception failure = null;
            try {
                r.feed(capture, -1);
            } catch (IOException | SourceException e) {
                failure = e;
            }
            assertNotNull(failure, "the disk filled up");
            FailureReason reason = failure instanceof IOException io ? FailureReason.ofWrite(io)
                    : ((SourceException) failure).reason();
            assertEquals(FailureReason.DISK_FULL, reason, failure.toString());
            Files.delete(filler); // retention frees space; the run's and the segment's rows can then be written
            r.end(reason);
            r.close();
            List<RunRow> runs = r.runs();
            assertEquals(List.of("disk_full"), runs.stream().map(RunRow::endReason).toList());
            List<SegmentRow> rows = r.rows();
            assertEquals(1, rows.size(), rows.toString());
            assertTrue(rows.get(0).frames() > 0 && rows.get(0).frames() < capture.video().size(), rows.toString());
            assertEquals(1, FootageChecks.assertIndexEqualsDiskAndEverythingDecodes(fs.dir()));
            assertEquals(rows.get(0).frames().longValue(), MediaProbe.frameCount(fs.dir().resolve(rows.get(0).path())));
        }
    }
}
