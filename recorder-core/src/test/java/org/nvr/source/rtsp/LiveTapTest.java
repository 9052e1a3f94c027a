package org.nvr.source.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvr.camera.FailureReason;
import org.nvr.media.CameraTime;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.FrameSink;
import org.nvr.media.Track;
import org.nvr.store.FrameRecorder;

/**
 * {@link LiveTap}'s one timeline for the live view: audio that arrives half a second after the video it
 * was captured with is shown with that video once the camera's sender reports of both tracks are known,
 * and by its arrival without them.
 */
class LiveTapTest {
    private static final Track VIDEO = Track.video(0, Codec.H264, 90_000, List.of());
    private static final Track AUDIO = Track.audio(1, Codec.AAC, 16_000, new byte[] {0x14, 0x08}, 16_000, 1);
    private static final Instant CAPTURED = Instant.parse("2026-12-06T10:00:00Z");

    @Test
    void audioIsShownWithTheVideoItWasCapturedWithByTheCamerasClock() throws Exception {
        List<Frame> shown = play(List.of(new CameraTime(0, 900_000, 90_000, CAPTURED),
                new CameraTime(1, 160_000, 16_000, CAPTURED)));
        assertEquals(0, shown.get(0).pts(), "video starts the timeline");
        assertEquals(0, shown.get(1).pts(), "audio captured with the first picture is shown with it");
        assertEquals(1024, shown.get(2).pts(), "the next audio frame one frame later");
    }

    @Test
    void withoutSenderReportsAudioIsPlacedByItsArrival() throws Exception {
        List<Frame> shown = play(List.of(new CameraTime(0, 900_000, 90_000, CAPTURED)));
        assertEquals(0, shown.get(0).pts());
        assertEquals(8000, shown.get(1).pts(), "half a second late, as it arrived");
    }

    /** A picture, then two audio frames captured with it but arriving 500 ms after it; what the live view got. */
    private static List<Frame> play(List<CameraTime> times) throws Exception {
        List<Frame> shown = new ArrayList<>();
        FrameSink live = new FrameSink() {
            @Override
            public void tracks(List<Track> tracks) {
            }

            @Override
            public void frame(Frame frame) {
                shown.add(frame);
            }

            @Override
            public void end() {
            }
        };
        FrameRecorder recorder = new FrameRecorder() {
            @Override
            public void tracks(List<Track> tracks) {
            }

            @Override
            public void frame(Frame frame) {
            }

            @Override
            public Duration end(FailureReason reason, String detail) {
                return Duration.ZERO;
            }
        };
        LiveTap tap = new LiveTap("cam", recorder, live, track -> track == 0 ? 1_000_000_000L : 1_500_000_000L);
        tap.tracks(List.of(VIDEO, AUDIO));
        for (CameraTime t : times) {
            tap.cameraTime(t);
        }
        tap.frame(new Frame(VIDEO, 900_000, 900_000, true, new byte[8]));
        tap.frame(new Frame(AUDIO, 160_000, 160_000, true, new byte[8]));
        tap.frame(new Frame(AUDIO, 161_024, 161_024, true, new byte[8]));
        return shown;
    }
}
