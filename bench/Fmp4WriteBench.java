import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_clone;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.FailureReason;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.config.Transport;
import org.nvr.index.IndexWriter;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.mp4.FragmentedMp4Writer;
import org.nvr.mp4.InitSegment;
import org.nvr.mp4.MediaFragment;
import org.nvr.source.ffmpeg.Mp4SegmentWriter;
import org.nvr.store.SegmentFinisher;
import org.nvr.store.SegmentPaths;
import org.nvr.store.SegmentRecorder;
import org.nvr.store.SegmentStore;

/**
 * Writes the same H.264 access units into fragmented MP4 files ROUNDS times through each of:
 * <ul>
 *   <li>{@code ffmpeg}: the recorder's {@link Mp4SegmentWriter} (libavformat's mp4 muxer with
 *       frag_keyframe+empty_moov+default_base_moof+delay_moov, frag_duration 1 s, flush_packets);</li>
 *   <li>{@code java}: {@link FragmentedMp4Writer} (one gathering FileChannel write per fragment);</li>
 *   <li>{@code java-bytes}: {@link MediaFragment#toByteArray()} per fragment, no I/O (the cost of the
 *       muxing alone, as for a WebSocket message);</li>
 *   <li>{@code recorder}: {@link SegmentRecorder}, the whole segment writer of the Netty client, on the
 *       frames with presentation times only (as RTP delivers them): decode times, clocks, one run and one
 *       segment per round (one file per round, as the others write) with their index rows on a real SQLite
 *       index; the day's directories exist after the warm-up round, as they do after a camera's first
 *       segment of the day. The finisher's fsync and SHA-256 run on its own thread and are not counted,
 *       as on the FFmpeg path.</li>
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

            String[] names = {"ffmpeg", "java", "java-bytes", "recorder"};
            int n = names.length;
            long[] cpu = new long[n];
            long[] wall = new long[n];
            long[] bytes = new long[n];
            List<Frame> ptsOnly = frames.stream().map(f -> new Frame(f.track(), f.pts(), f.pts(), f.keyframe(), f.data()))
                    .toList();
            Recorder recorder = new Recorder(work.resolve("recorder"), clipLength(frames));
            for (int r = -1; r < rounds; r++) {
                for (int c = 0; c < n; c++) {
                    Path file = work.resolve(names[c] + ".mp4");
                    Files.deleteIfExists(file);
                    Recorder rec = c == 3 ? recorder : null;
                    long cpu0 = THREADS.getCurrentThreadCpuTime();
                    long wall0 = System.nanoTime();
                    long written = switch (c) {
                        case 0 -> ffmpeg(file, ffTrack, packets);
                        case 1 -> java(file, track, frames);
                        case 2 -> javaBytes(frames);
                        default -> rec.record(track, ptsOnly);
                    };
                    if (r >= 0) { // round -1 warms up
                        cpu[c] += THREADS.getCurrentThreadCpuTime() - cpu0;
                        wall[c] += System.nanoTime() - wall0;
                        bytes[c] += written;
                    }
                    Files.deleteIfExists(file);
                }
            }
            recorder.close();
            System.out.printf("%-11s %8s %8s %13s %13s %15s%n", "muxer", "MB", "CPU s", "CPU s per GB",
                    "MB per CPU s", "CPU us/picture");
            for (int c = 0; c < n; c++) {
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

    /** A SegmentRecorder on a fresh root with its own index and finisher; the clock follows the frames. */
    static final class Recorder implements AutoCloseable {
        final Path root;
        final IndexWriter index;
        final SegmentFinisher finisher = new SegmentFinisher();
        final Instant[] now = {Instant.parse("2026-12-06T10:00:00Z")};
        final CameraConfig camera;
        final SegmentStore ctx;

        Recorder(Path root, Duration segment) throws Exception {
            this.root = Files.createDirectories(root);
            index = IndexWriter.open(root.resolve("index.db"));
            Clock clock = new Clock() {
                @Override
                public Instant instant() {
                    return now[0];
                }

                @Override
                public ZoneId getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(ZoneId zone) {
                    return this;
                }
            };
            camera = new CameraConfig("cam", "site", "cam", URI.create("rtsp://127.0.0.1/cam"),
                    Optional.empty(), Optional.empty(), Transport.TCP, AudioPolicy.DROP, Duration.ofSeconds(5),
                    Retention.NONE, Optional.empty(), Optional.empty());
            ctx = new SegmentStore(root, segment, index, finisher, clock);
        }

        /** One run of one segment, as a camera's session after a reconnect; returns the segment's bytes. */
        long record(Track track, List<Frame> frames) throws Exception {
            SegmentRecorder recorder = new SegmentRecorder(camera, ctx, CameraObserver.NONE, new StreamWarnings());
            now[0] = now[0].plusSeconds(60);
            Instant start = now[0];
            String rel = SegmentPaths.newSegment(root, "site", "cam", start); // the name the run's segment gets
            recorder.tracks(List.of(track));
            long first = frames.get(0).pts();
            for (Frame f : frames) {
                now[0] = start.plusNanos((f.pts() - first) * 1_000_000_000L / track.clockRate());
                recorder.frame(f);
            }
            recorder.end(FailureReason.EOF, "bench");
            return Files.size(root.resolve(rel));
        }

        @Override
        public void close() throws Exception {
            finisher.close();
            index.close();
            try (var files = Files.walk(root)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Longer than the clip: the recorder writes it into one segment, as the others into one file. */
    private static Duration clipLength(List<Frame> frames) {
        Frame last = frames.get(frames.size() - 1);
        return Duration.ofMillis(last.pts() * 1000 / last.track().clockRate()).plusSeconds(1);
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
