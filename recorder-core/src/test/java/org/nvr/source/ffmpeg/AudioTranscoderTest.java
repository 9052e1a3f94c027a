package org.nvr.source.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nvr.testing.MediaProbe;

/**
 * G.711 in, AAC out: files checked by Debian's ffprobe/ffmpeg, timelines checked packet by packet
 * with lost packets, jitter and clock jumps made up by the test.
 */
class AudioTranscoderTest {
    static final int PACKET = 160; // 20 ms, as cameras send it
    static final int OUT_RATE = 16_000;
    static final int FRAME = 1024;

    @TempDir
    Path dir;

    /** One AAC packet as the sink saw it, in output samples. */
    record Out(long pts, long dts, long duration) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"pcm_alaw", "pcm_mulaw"})
    void tenSecondsOfG711BecomeTenSecondsOfAacThatDecodesCleanly(String codec) throws Exception {
        Path file = dir.resolve(codec + ".mp4");
        try (AudioTranscoder t = open(codec); G711Tone tone = new G711Tone(codec, PACKET);
             Mp4SegmentWriter w = Mp4SegmentWriter.create(file,
                     List.of(new Mp4SegmentWriter.Track(t.outputParameters(), t.outputTimeBase())))) {
            // as the session does: nothing from before the start (here: the encoder's priming)
            AudioTranscoder.PacketSink sink = p -> {
                if (p.pts() >= 0) {
                    w.write(p, 0);
                }
            };
            for (long pts = 0; pts < 10 * G711Tone.RATE; pts += PACKET) {
                t.transcode(tone.next(pts), sink);
            }
            t.flush(sink);
        }
        List<MediaProbe.StreamInfo> streams = MediaProbe.streams(file);
        assertEquals(List.of("aac/mp4a"), streams.stream().map(s -> s.codecName() + "/" + s.codecTag()).toList());
        assertEquals(OUT_RATE, streams.get(0).sampleRate());
        assertEquals(1, streams.get(0).channels());
        List<MediaProbe.Packet> packets = MediaProbe.audioPackets(file);
        MediaProbe.Packet first = packets.get(0);
        MediaProbe.Packet last = packets.get(packets.size() - 1);
        assertEquals(0.0, first.ptsTime(), 0.001);
        assertEquals(10.0, last.ptsTime() + last.durationTime() - first.ptsTime(), 0.1, "audio track duration");
        assertEquals(10.0, MediaProbe.duration(file).toMillis() / 1000.0, 0.1, "file duration");
        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        // the tone (RMS of a sine at 12000/32768 is about -11.7 dBFS), not silence
        assertEquals(-11.7, MediaProbe.meanVolumeDb(file), 1.5);
    }

    @Test
    void steadyInputGivesOnePacketPerFrameOnTheInputsTimeline() throws Exception {
        long start = 123_456; // cameras do not start at zero
        List<Out> out = transcode(stamps(start, 5 * G711Tone.RATE / PACKET, i -> 0));
        // the first packet carries the encoder's priming: one frame before the first input sample
        assertEquals(2 * start - FRAME, out.get(0).pts());
        assertEvenlySpaced(out);
        Out last = out.get(out.size() - 1);
        assertEquals(2 * (start + 5 * G711Tone.RATE), last.pts() + last.duration(), "ends where the input ends");
    }

    @Test
    void lostPacketsBecomeSilenceSoLaterAudioKeepsItsTime() throws Exception {
        int packets = 10 * G711Tone.RATE / PACKET;
        List<Out> whole = transcode(stamps(0, packets, i -> 0));
        List<Long> lossy = stamps(0, packets, i -> 0).stream()
                .filter(pts -> pts < 3 * G711Tone.RATE || pts >= 3 * G711Tone.RATE + 2400) // 300 ms lost
                .toList();
        List<Out> out = transcode(lossy);
        assertEvenlySpaced(out);
        assertEquals(whole.stream().map(Out::pts).toList(), out.stream().map(Out::pts).toList());
    }

    @Test
    void jitterWithinToleranceIsIgnored() throws Exception {
        Random random = new Random(42);
        List<Out> out = transcode(stamps(0, 10 * G711Tone.RATE / PACKET, i -> random.nextInt(161) - 80)); // ±10 ms
        assertEvenlySpaced(out);
        Out last = out.get(out.size() - 1);
        assertEquals(2 * 10 * G711Tone.RATE, last.pts() + last.duration(), 2 * 80);
    }

    @Test
    void aFastCameraClockIsFollowedWithinTheTolerance() throws Exception {
        // 1 % more time than samples, as from a camera whose audio clock runs slow
        int packets = 60 * G711Tone.RATE / PACKET;
        List<Long> in = new ArrayList<>();
        for (int i = 0; i < packets; i++) {
            in.add(i * (long) PACKET * 101 / 100);
        }
        List<Out> out = transcode(in);
        assertStrictlyIncreasing(out);
        long inputEnd = 2 * (in.get(in.size() - 1) + PACKET);
        Out last = out.get(out.size() - 1);
        long toleranceSamples = OUT_RATE * AudioTranscoder.TOLERANCE_MILLIS / 1000;
        assertEquals(inputEnd, last.pts() + last.duration(), toleranceSamples + FRAME);
    }

    @Test
    void aJumpOfMoreThanASecondRestartsTheTimelineThere() throws Exception {
        List<Long> in = new ArrayList<>(stamps(0, 3 * G711Tone.RATE / PACKET, i -> 0));
        in.addAll(stamps(8 * G711Tone.RATE, 3 * G711Tone.RATE / PACKET, i -> 0)); // 5 s outage
        try (AudioTranscoder t = open("pcm_alaw")) {
            List<Out> out = transcode(t, in);
            assertEquals(1, t.resyncs());
            assertStrictlyIncreasing(out);
            assertTrue(out.stream().anyMatch(o -> o.pts() == 2 * 8 * G711Tone.RATE), "a frame starts at 8 s");
            assertTrue(out.stream().noneMatch(o -> o.pts() > 2 * 3 * G711Tone.RATE && o.pts() < 2 * 8 * G711Tone.RATE),
                    "nothing in the outage");
        }
    }

    @Test
    void aClockGoingBackwardsRestartsTheTimelineThere() throws Exception {
        List<Long> in = new ArrayList<>(stamps(5 * G711Tone.RATE, 3 * G711Tone.RATE / PACKET, i -> 0));
        in.addAll(stamps(G711Tone.RATE, 3 * G711Tone.RATE / PACKET, i -> 0)); // back to 1 s
        try (AudioTranscoder t = open("pcm_alaw")) {
            List<Out> out = transcode(t, in);
            assertEquals(1, t.resyncs());
            int back = 0;
            for (int i = 1; i < out.size(); i++) {
                if (out.get(i).pts() <= out.get(i - 1).pts()) {
                    back++;
                    assertEquals(2 * G711Tone.RATE, out.get(i).pts(), "restarts at 1 s");
                }
            }
            assertEquals(1, back, "one step back, the camera's");
        }
    }

    /**
     * Half an hour of camera audio (90 000 packets), after ten minutes' warm-up, must not grow the process's resident memory: one
     * AAC packet leaked per frame would add about 8 MB, a leaked frame per input packet far more.
     * Memory is read after a GC every five minutes of audio, because the JNI wrappers of native
     * objects are Java garbage that would otherwise fill (and grow) the Java heap. Also reports the
     * CPU cost.
     */
    @Test
    void transcodingForLongDoesNotGrowNativeMemory() throws Exception {
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        try (AudioTranscoder t = open("pcm_alaw"); G711Tone tone = new G711Tone("pcm_alaw", PACKET)) {
            long[] bytes = {0};
            AudioTranscoder.PacketSink sink = p -> bytes[0] += p.size();
            long chunk = 300 * G711Tone.RATE;
            long pts = 0;
            for (int warmUp = 0; warmUp < 2; warmUp++) { // buffers, pools, JIT; the first GC moves the heap
                for (long end = pts + chunk; pts < end; pts += PACKET) {
                    t.transcode(tone.next(pts), sink);
                }
                settledPhysicalBytes();
            }
            List<Long> resident = new ArrayList<>(List.of(settledPhysicalBytes() >> 10));
            long cpuTime = 0;
            for (int round = 0; round < 6; round++) {
                long cpuBefore = cpu.getCurrentThreadCpuTime();
                for (long end = pts + chunk; pts < end; pts += PACKET) {
                    t.transcode(tone.next(pts), sink);
                }
                cpuTime += cpu.getCurrentThreadCpuTime() - cpuBefore;
                resident.add(settledPhysicalBytes() >> 10);
            }
            long seconds = 6 * chunk / G711Tone.RATE;
            System.out.printf("transcoded %d s of G.711 in %.2f s CPU (%.1f s per camera-hour, tone encoding "
                            + "included); %d kbit/s of AAC; resident kB every 5 min: %s%n", seconds, cpuTime / 1e9,
                    cpuTime / 1e9 * 3600 / seconds, bytes[0] * 8 / 1000 / (pts / G711Tone.RATE), resident);
            // A leak grows in every round (one AAC packet per frame: ~3.4 MB a round); the JVM and malloc
            // grow in the odd step (other tests share this process). Judge the trend, not one step.
            long growth = resident.get(resident.size() - 1) - resident.get(0);
            long growingRounds = 0;
            for (int i = 1; i < resident.size(); i++) {
                if (resident.get(i) - resident.get(i - 1) > 1024) {
                    growingRounds++;
                }
            }
            assertTrue(growingRounds <= 2 && growth < 12 << 10,
                    "resident memory grew by " + growth + " kB over " + growingRounds + " rounds: " + resident);
        }
    }

    /** Resident memory after the JVM has had a chance to collect the Java wrappers of native objects. */
    static long settledPhysicalBytes() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return Pointer.physicalBytes();
    }

    @Test
    void emptyPacketsAreSkippedNotTakenForTheEndOfTheStream() throws Exception {
        try (AudioTranscoder t = open("pcm_alaw"); G711Tone tone = new G711Tone("pcm_alaw", PACKET)) {
            List<Out> out = new ArrayList<>();
            AVPacket empty = avcodec.av_packet_alloc();
            try {
                for (long pts = 0; pts < 2 * G711Tone.RATE; pts += PACKET) {
                    t.transcode(tone.next(pts), p -> out.add(out(p)));
                    empty.pts(pts).dts(pts);
                    t.transcode(empty, p -> out.add(out(p)));
                }
            } finally {
                avcodec.av_packet_free(empty);
            }
            assertTrue(out.size() >= 2 * OUT_RATE / FRAME - 2, "still transcoding: " + out.size());
        }
    }

    @Test
    void closeIsIdempotentAndAClosedTranscoderRefusesWork() throws Exception {
        AudioTranscoder t = open("pcm_mulaw");
        t.flush(p -> { }); // before any input: nothing to do
        t.close();
        t.close();
        try (G711Tone tone = new G711Tone("pcm_mulaw", PACKET)) {
            assertThrows(IOException.class, () -> t.transcode(tone.next(0), p -> { }));
        }
    }

    @Test
    void audioWithoutADecoderCannotBeOpened() {
        AVCodecParameters none = avcodec.avcodec_parameters_alloc();
        try {
            none.codec_type(org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO).codec_id(avcodec.AV_CODEC_ID_NONE);
            IOException e = assertThrows(IOException.class,
                    () -> AudioTranscoder.open(none, new org.bytedeco.ffmpeg.avutil.AVRational().num(1).den(8000)));
            assertTrue(e.getMessage().contains("no decoder"), e.getMessage());
        } finally {
            avcodec.avcodec_parameters_free(none);
        }
    }

    @Test
    void outputRateIsTheInputsRaisedToSixteenKilohertzAndSupported() {
        int[] aac = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};
        assertEquals(16000, AudioTranscoder.outputRate(8000, aac));
        assertEquals(16000, AudioTranscoder.outputRate(16000, aac));
        assertEquals(22050, AudioTranscoder.outputRate(22050, aac));
        assertEquals(48000, AudioTranscoder.outputRate(48000, aac));
        assertEquals(96000, AudioTranscoder.outputRate(192000, aac), "the highest when none is enough");
        assertEquals(16000, AudioTranscoder.outputRate(8000, new int[0]), "any rate");
        assertEquals(32_000, AudioTranscoder.bitRatePerChannel(16000));
    }

    static AudioTranscoder open(String codec) throws IOException {
        try (G711Tone tone = new G711Tone(codec, PACKET)) {
            return AudioTranscoder.open(tone.parameters(), tone.timeBase());
        }
    }

    /** Timestamps of {@code count} consecutive packets from {@code start}, each moved by {@code noise}. */
    static List<Long> stamps(long start, int count, java.util.function.IntUnaryOperator noise) {
        List<Long> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(start + (long) i * PACKET + noise.applyAsInt(i));
        }
        return list;
    }

    static List<Out> transcode(List<Long> stamps) throws IOException {
        try (AudioTranscoder t = open("pcm_alaw")) {
            List<Out> out = transcode(t, stamps);
            assertEquals(0, t.resyncs());
            return out;
        }
    }

    static List<Out> transcode(AudioTranscoder t, List<Long> stamps) throws IOException {
        List<Out> out = new ArrayList<>();
        try (G711Tone tone = new G711Tone("pcm_alaw", PACKET)) {
            for (long pts : stamps) {
                t.transcode(tone.next(pts), p -> out.add(out(p)));
            }
            t.flush(p -> out.add(out(p)));
        }
        for (Out o : out) {
            assertEquals(o.pts(), o.dts());
        }
        return out;
    }

    static Out out(AVPacket p) {
        return new Out(p.pts(), p.dts(), p.duration());
    }

    /** Every packet but the last follows its predecessor by exactly one frame. */
    static void assertEvenlySpaced(List<Out> out) {
        for (int i = 1; i < out.size(); i++) {
            assertEquals(FRAME, out.get(i).pts() - out.get(i - 1).pts(), "packet " + i + " of " + out.size());
        }
        for (int i = 0; i < out.size() - 1; i++) {
            assertEquals(FRAME, out.get(i).duration(), "packet " + i);
        }
    }

    static void assertStrictlyIncreasing(List<Out> out) {
        for (int i = 1; i < out.size(); i++) {
            assertTrue(out.get(i).pts() > out.get(i - 1).pts(), "packet " + i + ": "
                    + out.subList(Math.max(0, i - 2), i + 1).stream().map(Out::toString).collect(Collectors.joining()));
        }
    }
}
