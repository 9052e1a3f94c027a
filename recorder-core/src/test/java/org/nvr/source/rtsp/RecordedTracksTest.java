package org.nvr.source.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.nvr.camera.FailureReason;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.config.Transport;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.store.FrameRecorder;

/**
 * {@link RecordedTracks} with a real G.711 to AAC transcoder: every AAC frame reaches the recorder dated
 * where its audio arrived, not where the transcoder let it go (up to two AAC frames later). The
 * recorder places audio against video by arrival; undated, transcoded audio started late in every
 * segment (RecorderAudioGstTest: "audio starts with the video expected 0.0 but was 0.077").
 */
class RecordedTracksTest {

    @Test
    void transcodedAudioIsDatedWhereItArrived() throws Exception {
        CameraConfig camera = new CameraConfig("cam", "site", "cam", URI.create("rtsp://127.0.0.1/cam"),
                Optional.empty(), Optional.empty(), Transport.TCP, AudioPolicy.TRANSCODE, Duration.ofSeconds(5),
                Retention.NONE, Optional.empty(), Optional.empty());
        Track video = Track.video(0, Codec.H264, 90_000, List.of());
        Track alaw = Track.audio(1, Codec.PCMA, 8000, null, 8000, 1);
        List<Double> lateness = new ArrayList<>();
        double[] now = {0};
        FrameRecorder recorder = new FrameRecorder() {
            @Override
            public void tracks(List<Track> tracks) {
            }

            @Override
            public void frame(Frame frame) {
                frame(frame, Duration.ZERO);
            }

            @Override
            public void frame(Frame aac, Duration held) {
                double arrived = now[0] - held.toNanos() / 1e9;
                double end = (aac.pts() + 1024) / (double) aac.track().clockRate();
                lateness.add(arrived - end);
            }

            @Override
            public Duration end(FailureReason reason, String detail) {
                return Duration.ZERO;
            }
        };
        try (RecordedTracks tracks = new RecordedTracks(camera, new StreamWarnings())) {
            tracks.open(List.of(video, alaw));
            byte[] tone = new byte[160]; // 20 ms at 8 kHz
            for (int i = 0; i < tone.length; i++) {
                tone[i] = (byte) (i % 2 == 0 ? 0x55 : 0xd5);
            }
            for (int k = 0; k < 50; k++) { // one second, each packet arriving when its last sample is sent
                now[0] = (k + 1) * 0.020;
                tracks.frame(new Frame(alaw, 160L * k, 160L * k, true, tone.clone()), recorder);
            }
        }
        assertTrue(lateness.size() >= 10, "AAC frames out: " + lateness.size());
        for (double late : lateness) {
            assertEquals(0.0, late, 0.021, "an AAC frame dated " + late + " s after its audio arrived");
        }
    }
}
