package org.nvr.source.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * G.711 {@link Frame}s to AAC frames: the output track carries its AudioSpecificConfig, timestamps
 * rise on the input's timeline, and a failure of the consumer (a full disk) comes out as itself, never
 * as a transcoder failure that would only drop the audio.
 */
class FrameTranscoderTest {
    private static final int PACKET = 160; // 20 ms at 8 kHz

    private static Frame g711(Track track, AVPacket pkt) {
        byte[] bytes = new byte[pkt.size()];
        pkt.data().get(bytes);
        return new Frame(track, pkt.pts(), pkt.dts(), true, bytes);
    }

    @Test
    void alawBecomesAacOnTheSameTimeline() throws Exception {
        Track alaw = Track.audio(1, Codec.PCMA, 8000, null, 8000, 1);
        List<Frame> out = new ArrayList<>();
        try (FrameTranscoder t = FrameTranscoder.open(alaw); G711Tone tone = new G711Tone("pcm_alaw", PACKET)) {
            assertEquals(Codec.AAC, t.output().codec());
            assertEquals(1, t.output().index(), "the same track, now AAC");
            assertTrue(t.output().decoderConfig().length >= 2, "AudioSpecificConfig");
            for (int i = 0; i < 100; i++) { // 2 s
                t.transcode(g711(alaw, tone.next((long) i * PACKET)), out::add);
            }
            t.flush(out::add);
        }
        int rate = out.get(0).track().clockRate();
        double seconds = (double) (out.get(out.size() - 1).pts() - out.get(0).pts() + 1024) / rate;
        assertEquals(2, Math.round(seconds), "2 s of audio, got " + seconds);
        for (int i = 1; i < out.size(); i++) {
            assertEquals(1024, out.get(i).pts() - out.get(i - 1).pts(), "one AAC frame apart at " + i);
        }
    }

    @Test
    void aFailingConsumerComesOutAsItself() throws Exception {
        Track mulaw = Track.audio(1, Codec.PCMU, 8000, null, 8000, 1);
        IOException full = new IOException("No space left on device");
        try (FrameTranscoder t = FrameTranscoder.open(mulaw); G711Tone tone = new G711Tone("pcm_mulaw", PACKET)) {
            IOException thrown = assertThrows(IOException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    t.transcode(g711(mulaw, tone.next((long) i * PACKET)), aac -> {
                        throw full;
                    });
                }
            });
            assertSame(full, thrown);
        }
    }
}
