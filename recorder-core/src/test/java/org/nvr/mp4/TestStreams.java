package org.nvr.mp4;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.ExternalCommand;
import org.nvr.testing.MediaProbe;

/**
 * Real encoded streams as the media model's {@link Track} and {@link Frame}s, made at test time:
 * OpenH264's clip (Annex B cut into pictures here), and x264 (B-frames), x265 and FFmpeg's AAC encoder
 * output read back packet by packet from the MP4 that GStreamer or FFmpeg wrote.
 */
final class TestStreams {
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** A track and its frames in decode order. */
    record Stream(Track track, List<Frame> frames) {
    }

    private TestStreams() {
    }

    /** The clip's pictures, 90 kHz clock, parameter sets in the track and not in the frames. */
    static Stream h264(SyntheticClip clip, int trackIndex) throws IOException {
        ByteArrayOutputStream annexB = new ByteArrayOutputStream();
        clip.writeAnnexB(annexB);
        Track track = Track.video(trackIndex, Codec.H264, 90_000, List.of(clip.sps(), clip.pps()));
        List<Frame> frames = new ArrayList<>();
        List<byte[]> picture = new ArrayList<>();
        boolean[] key = {false};
        for (byte[] nal : splitAnnexB(annexB.toByteArray())) {
            int type = nal[0] & 0x1f;
            boolean slice = type >= 1 && type <= 5;
            boolean firstSlice = slice && (nal[1] & 0x80) != 0;
            if ((firstSlice || !slice) && hasSlice(picture)) {
                frames.add(frame(track, frames.size() * 90_000L / clip.fps(), key[0], picture));
                picture.clear();
                key[0] = false;
            }
            if (slice) {
                picture.add(nal);
                key[0] |= type == 5;
            }
        }
        frames.add(frame(track, frames.size() * 90_000L / clip.fps(), key[0], picture));
        return new Stream(track, frames);
    }

    /** x264 with B-frames (Main profile, 2 B-frames, GOP 25), {@code count} pictures 320x240 at 25 fps. */
    static Stream h264WithBFrames(Path dir, int count, int trackIndex) throws IOException, InterruptedException {
        return h264WithBFrames(dir, count, trackIndex, "main");
    }

    /** Same in {@code profile} as GStreamer names it ({@code main}, {@code high}). */
    static Stream h264WithBFrames(Path dir, int count, int trackIndex, String profile)
            throws IOException, InterruptedException {
        Path mp4 = dir.resolve("x264-" + profile + ".mp4");
        gst("videotestsrc num-buffers=" + count + " ! video/x-raw,format=I420,width=320,height=240,framerate=25/1"
                + " ! x264enc bframes=2 b-adapt=false key-int-max=25 ! video/x-h264,profile=" + profile + " ! h264parse"
                + " ! mp4mux ! filesink location=" + mp4);
        return read(mp4, Codec.H264, trackIndex);
    }

    /** x264 High profile without B-frames (what most cameras send), {@code count} pictures 320x240 at 25 fps. */
    static Stream h264WithoutBFrames(Path dir, int count, int trackIndex) throws IOException, InterruptedException {
        Path mp4 = dir.resolve("x264-no-b.mp4");
        gst("videotestsrc num-buffers=" + count + " ! video/x-raw,format=I420,width=320,height=240,framerate=25/1"
                + " ! x264enc bframes=0 key-int-max=25 ! video/x-h264,profile=high ! h264parse"
                + " ! mp4mux ! filesink location=" + mp4);
        return read(mp4, Codec.H264, trackIndex);
    }

    /** x265 Main profile without B-frames, {@code count} pictures 320x240 at 25 fps. */
    static Stream h265WithoutBFrames(Path dir, int count, int trackIndex) throws IOException, InterruptedException {
        Path mp4 = dir.resolve("x265-no-b.mp4");
        gst("videotestsrc num-buffers=" + count + " ! video/x-raw,format=I420,width=320,height=240,framerate=25/1"
                + " ! x265enc key-int-max=25 option-string=bframes=0 ! h265parse ! mp4mux ! filesink location=" + mp4);
        return read(mp4, Codec.H265, trackIndex);
    }

    /**
     * x265 (Main profile, x265's default B-frames, one I picture: no scene cuts, GOP 250), {@code count}
     * pictures 320x240 at 25 fps.
     */
    static Stream h265(Path dir, int count, int trackIndex) throws IOException, InterruptedException {
        Path mp4 = dir.resolve("x265.mp4");
        gst("videotestsrc num-buffers=" + count + " ! video/x-raw,format=I420,width=320,height=240,framerate=25/1"
                + " ! x265enc key-int-max=250 option-string=scenecut=0 ! h265parse ! mp4mux ! filesink location=" + mp4);
        return read(mp4, Codec.H265, trackIndex);
    }

    /** FFmpeg's AAC-LC encoder on a 440 Hz sine, {@code seconds} long, 44.1 kHz mono. */
    static Stream aac(Path dir, int seconds, int trackIndex) throws IOException, InterruptedException {
        Path m4a = dir.resolve("sine.m4a");
        ExternalCommand.Result r = ExternalCommand.run(List.of(MediaProbe.FFMPEG, "-nostdin", "-v", "error",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=" + seconds,
                "-c:a", "aac", m4a.toString()), TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException("ffmpeg failed: " + r.stderr());
        }
        return read(m4a, Codec.AAC, trackIndex);
    }

    private static void gst(String pipeline) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("gst-launch-1.0", "-q"));
        command.addAll(Arrays.asList(pipeline.split(" ")));
        ExternalCommand.Result r = ExternalCommand.run(command, TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException("gst-launch-1.0 failed: " + r.stderr());
        }
    }

    /**
     * The first stream of an MP4 whose samples have 4-byte NAL lengths, as frames in the stream's
     * timescale, shifted so the first decode time is 0 (MP4 muxers start B-frame streams' decode time
     * below zero; a fragment's base decode time cannot be).
     */
    private static Stream read(Path file, Codec codec, int trackIndex) throws IOException {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
            g.start();
            AVStream st = g.getFormatContext().streams(0);
            if (st.time_base().num() != 1) {
                throw new IOException("unexpected time base in " + file);
            }
            int clock = st.time_base().den();
            byte[] extradata = new byte[st.codecpar().extradata_size()];
            st.codecpar().extradata().get(extradata);
            Track track = codec == Codec.AAC
                    ? Track.audio(trackIndex, codec, clock, extradata, st.codecpar().sample_rate(),
                            st.codecpar().ch_layout().nb_channels())
                    : Track.video(trackIndex, codec, clock, codec == Codec.H264 ? avcC(extradata) : hvcC(extradata));
            List<long[]> times = new ArrayList<>();
            List<byte[]> data = new ArrayList<>();
            AVPacket p;
            while ((p = g.grabPacket()) != null) {
                try {
                    byte[] b = new byte[p.size()];
                    p.data().get(b);
                    data.add(b);
                    times.add(new long[] {p.pts(), p.dts(), (p.flags() & AV_PKT_FLAG_KEY) != 0 ? 1 : 0});
                } finally {
                    av_packet_unref(p);
                }
            }
            long shift = -times.get(0)[1];
            List<Frame> frames = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) {
                long[] t = times.get(i);
                frames.add(new Frame(track, t[0] + shift, t[1] + shift, t[2] == 1, data.get(i)));
            }
            return new Stream(track, frames);
        }
    }

    private static List<byte[]> avcC(byte[] d) {
        List<byte[]> out = new ArrayList<>();
        int p = 5;
        int sps = d[p++] & 0x1f;
        for (int i = 0; i < sps; i++) {
            p = take(d, p, out);
        }
        int pps = d[p++] & 0xff;
        for (int i = 0; i < pps; i++) {
            p = take(d, p, out);
        }
        return out;
    }

    private static List<byte[]> hvcC(byte[] d) {
        List<byte[]> out = new ArrayList<>();
        int p = 22;
        int arrays = d[p++] & 0xff;
        for (int a = 0; a < arrays; a++) {
            p++;
            int n = ((d[p] & 0xff) << 8) | (d[p + 1] & 0xff);
            p += 2;
            for (int i = 0; i < n; i++) {
                p = take(d, p, out);
            }
        }
        return out;
    }

    private static int take(byte[] d, int p, List<byte[]> out) {
        int len = ((d[p] & 0xff) << 8) | (d[p + 1] & 0xff);
        out.add(Arrays.copyOfRange(d, p + 2, p + 2 + len));
        return p + 2 + len;
    }

    private static boolean hasSlice(List<byte[]> picture) {
        return !picture.isEmpty();
    }

    private static Frame frame(Track track, long time, boolean key, List<byte[]> nals) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] nal : nals) {
            out.write(nal.length >>> 24);
            out.write(nal.length >>> 16);
            out.write(nal.length >>> 8);
            out.write(nal.length);
            out.writeBytes(nal);
        }
        return new Frame(track, time, time, key, out.toByteArray());
    }

    /** The NAL units of an Annex-B stream, without start codes. */
    static List<byte[]> splitAnnexB(byte[] b) {
        List<Integer> starts = new ArrayList<>();
        List<Integer> codeLengths = new ArrayList<>();
        for (int i = 0; i + 2 < b.length; i++) {
            if (b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1) {
                boolean four = i > 0 && b[i - 1] == 0;
                starts.add(four ? i - 1 : i);
                codeLengths.add(four ? 4 : 3);
                i += 2;
            }
        }
        List<byte[]> nals = new ArrayList<>();
        for (int k = 0; k < starts.size(); k++) {
            int from = starts.get(k) + codeLengths.get(k);
            int to = k + 1 < starts.size() ? starts.get(k + 1) : b.length;
            nals.add(Arrays.copyOfRange(b, from, to));
        }
        return nals;
    }
}
