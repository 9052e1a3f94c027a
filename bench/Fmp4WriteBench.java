import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_clone;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.nvr.fmp4.FragmentedMp4Writer;
import org.nvr.fmp4.InitSegment;
import org.nvr.fmp4.MediaFragment;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.segment.Mp4SegmentWriter;

/**
 * Writes the same H.264 access units into fragmented MP4 files ROUNDS times through each of:
 * <ul>
 *   <li>{@code ffmpeg}: the recorder's {@link Mp4SegmentWriter} (libavformat's mp4 muxer with
 *       frag_keyframe+empty_moov+default_base_moof+delay_moov, frag_duration 1 s, flush_packets);</li>
 *   <li>{@code java}: {@link FragmentedMp4Writer} (one gathering FileChannel write per fragment);</li>
 *   <li>{@code java-bytes}: {@link MediaFragment#toByteArray()} per fragment, no I/O (the cost of the
 *       muxing alone, as for a WebSocket message).</li>
 * </ul>
 * and prints, for each, the CPU time of the writing thread (user + system, so the write syscalls count)
 * per GB written, the bytes written per CPU second and the CPU time per picture. Rounds alternate between contenders after one
 * warm-up round each. Usage: Fmp4WriteBench CLIP.mp4 ROUNDS WORKDIR
 */
public class Fmp4WriteBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    record Packet(AVPacket pkt, long pts, long dts, long duration) {
    }

    public static void main(String[] args) throws Exception {
        Path clip = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        Path work = Path.of(args[2]);
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(clip.toFile())) {
            g.start();
            AVStream st = g.getFormatContext().streams(0);
            AVRational tb = new AVRational().num(st.time_base().num()).den(st.time_base().den());
            byte[] extradata = new byte[st.codecpar().extradata_size()];
            st.codecpar().extradata().get(extradata);
            Track track = Track.video(0, Codec.H264, tb.den(), avcC(extradata));
            List<Packet> packets = new ArrayList<>();
            List<Frame> frames = new ArrayList<>();
            AVPacket p;
            while ((p = g.grabPacket()) != null) {
                AVPacket copy = av_packet_clone(p);
                packets.add(new Packet(copy, p.pts(), p.dts(), p.duration()));
                byte[] data = new byte[p.size()];
                p.data().get(data);
                frames.add(new Frame(track, p.pts(), p.dts(), (p.flags() & AV_PKT_FLAG_KEY) != 0, data));
                av_packet_unref(p);
            }
            long shift = -frames.get(0).dts();
            frames.replaceAll(f -> new Frame(track, f.pts() + shift, f.dts() + shift, f.keyframe(), f.data()));
            long inputBytes = frames.stream().mapToLong(Frame::size).sum();
            System.out.printf("clip: %s, %d pictures, %.1f MB, %s%n", clip.getFileName(), frames.size(),
                    inputBytes / 1e6, InitSegment.of(List.of(track)).codecs());
            Mp4SegmentWriter.Track ffTrack = new Mp4SegmentWriter.Track(st.codecpar(), tb);

            String[] names = {"ffmpeg", "java", "java-bytes"};
            long[] cpu = new long[3];
            long[] wall = new long[3];
            long[] bytes = new long[3];
            for (int r = -1; r < rounds; r++) {
                for (int c = 0; c < 3; c++) {
                    Path file = work.resolve(names[c] + ".mp4");
                    Files.deleteIfExists(file);
                    long cpu0 = THREADS.getCurrentThreadCpuTime();
                    long wall0 = System.nanoTime();
                    long written = switch (c) {
                        case 0 -> ffmpeg(file, ffTrack, packets);
                        case 1 -> java(file, track, frames);
                        default -> javaBytes(frames);
                    };
                    if (r >= 0) { // round -1 warms up
                        cpu[c] += THREADS.getCurrentThreadCpuTime() - cpu0;
                        wall[c] += System.nanoTime() - wall0;
                        bytes[c] += written;
                    }
                    Files.deleteIfExists(file);
                }
            }
            System.out.printf("%-11s %8s %8s %13s %13s %15s%n", "muxer", "MB", "CPU s", "CPU s per GB",
                    "MB per CPU s", "CPU us/picture");
            for (int c = 0; c < 3; c++) {
                double mb = bytes[c] / 1e6;
                double cpuS = cpu[c] / 1e9;
                System.out.printf("%-11s %8.0f %8.2f %13.2f %13.0f %15.1f%n", names[c], mb, cpuS, cpuS / (mb / 1000),
                        mb / cpuS, cpu[c] / 1e3 / ((double) rounds * frames.size()));
            }
            for (Packet pk : packets) {
                org.bytedeco.ffmpeg.global.avcodec.av_packet_free(pk.pkt());
            }
        }
    }

    private static long ffmpeg(Path file, Mp4SegmentWriter.Track track, List<Packet> packets) throws Exception {
        try (Mp4SegmentWriter w = Mp4SegmentWriter.create(file, List.of(track))) {
            for (Packet p : packets) {
                p.pkt().pts(p.pts()).dts(p.dts()).duration(p.duration()); // write() rescales in place
                w.write(p.pkt(), 0);
            }
        }
        return Files.size(file);
    }

    private static long java(Path file, Track track, List<Frame> frames) throws Exception {
        try (FragmentedMp4Writer w = FragmentedMp4Writer.create(file, List.of(track), Duration.ofSeconds(1))) {
            for (Frame f : frames) {
                w.write(f);
            }
            w.close();
            return w.bytesWritten();
        }
    }

    /** Fragments at keyframes as the writer cuts them, each copied into one array; nothing written. */
    private static long javaBytes(List<Frame> frames) {
        long total = InitSegment.of(List.of(frames.get(0).track())).bytes().length;
        List<MediaFragment.Sample> run = new ArrayList<>();
        int sequence = 0;
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            if (f.keyframe() && !run.isEmpty()) {
                total += MediaFragment.of(++sequence, run).toByteArray().length;
                run = new ArrayList<>();
            }
            long next = i + 1 < frames.size() ? frames.get(i + 1).dts() : f.dts();
            run.add(new MediaFragment.Sample(f, next - f.dts()));
        }
        return total + MediaFragment.of(++sequence, run).toByteArray().length;
    }

    private static List<byte[]> avcC(byte[] d) {
        List<byte[]> out = new ArrayList<>();
        int p = 5;
        for (int pass = 0; pass < 2; pass++) {
            int n = pass == 0 ? d[p++] & 0x1f : d[p++] & 0xff;
            for (int i = 0; i < n; i++) {
                int len = ((d[p] & 0xff) << 8) | (d[p + 1] & 0xff);
                out.add(Arrays.copyOfRange(d, p + 2, p + 2 + len));
                p += 2 + len;
            }
        }
        return out;
    }
}
