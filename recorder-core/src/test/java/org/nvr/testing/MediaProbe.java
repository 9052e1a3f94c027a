package org.nvr.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Independent checks on recorded media for tests: runs Debian's {@code /usr/bin/ffprobe} and
 * {@code /usr/bin/ffmpeg} (not the FFmpeg the recorder links) on a file and parses their JSON, and
 * delegates MP4 layout questions to {@link Mp4Boxes}.
 *
 * <p>Every run is bounded by {@link #TIMEOUT}; a tool that fails or times out raises an
 * {@link IOException} carrying its stderr. Stateless; safe to call from any thread.
 */
public final class MediaProbe {

    public static final String FFPROBE = "/usr/bin/ffprobe";
    public static final String FFMPEG = "/usr/bin/ffmpeg";
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MEAN_VOLUME = Pattern.compile("mean_volume: (-?[0-9.]+) dB");

    /**
     * One stream. {@code codecName} as FFmpeg names it ({@code h264}, {@code hevc}, {@code aac},
     * {@code pcm_alaw}); {@code codecTag} the container's tag ({@code avc1}, {@code hvc1},
     * {@code hev1}, {@code mp4a}); numbers are 0 where they do not apply.
     */
    public record StreamInfo(int index, String codecType, String codecName, String codecTag,
                             int width, int height, int sampleRate, int channels) {
        public boolean isVideo() {
            return "video".equals(codecType);
        }

        public boolean isAudio() {
            return "audio".equals(codecType);
        }
    }

    /** One packet of a stream; times in seconds, {@code NaN} where ffprobe says N/A. */
    public record Packet(double ptsTime, double dtsTime, double durationTime, boolean keyframe, long size) {
    }

    private MediaProbe() {
    }

    /** All streams of the file, in file order. */
    public static List<StreamInfo> streams(Path file) throws IOException, InterruptedException {
        JsonNode root = ffprobe(file, "-show_streams");
        List<StreamInfo> streams = new ArrayList<>();
        for (JsonNode s : root.path("streams")) {
            streams.add(new StreamInfo(s.path("index").asInt(), s.path("codec_type").asText(),
                    s.path("codec_name").asText(), s.path("codec_tag_string").asText(),
                    s.path("width").asInt(), s.path("height").asInt(),
                    s.path("sample_rate").asInt(), s.path("channels").asInt()));
        }
        return streams;
    }

    /** The packets of the first video stream in file (decode) order. */
    public static List<Packet> videoPackets(Path file) throws IOException, InterruptedException {
        return packets(file, "v:0");
    }

    /** The packets of the first audio stream in file order. */
    public static List<Packet> audioPackets(Path file) throws IOException, InterruptedException {
        return packets(file, "a:0");
    }

    /**
     * The mean volume of the first audio stream in dBFS, from {@code ffmpeg -af volumedetect}: tells
     * a recorded sound from recorded silence (which has no volume: {@code -91} dB).
     */
    public static double meanVolumeDb(Path file) throws IOException, InterruptedException {
        ExternalCommand.Result r = ExternalCommand.run(List.of(FFMPEG, "-nostdin", "-hide_banner", "-v", "info",
                "-i", file.toString(), "-map", "0:a:0", "-af", "volumedetect", "-f", "null", "-"), TIMEOUT);
        Matcher m = MEAN_VOLUME.matcher(r.stderr());
        if (r.exitCode() != 0 || !m.find()) {
            throw new IOException("volumedetect failed (exit " + r.exitCode() + ") on " + file + ": " + r.stderr());
        }
        return Double.parseDouble(m.group(1));
    }

    private static List<Packet> packets(Path file, String stream) throws IOException, InterruptedException {
        JsonNode root = ffprobe(file, "-select_streams", stream,
                "-show_entries", "packet=pts_time,dts_time,duration_time,flags,size");
        List<Packet> packets = new ArrayList<>();
        for (JsonNode p : root.path("packets")) {
            packets.add(new Packet(seconds(p, "pts_time"), seconds(p, "dts_time"), seconds(p, "duration_time"),
                    p.path("flags").asText().contains("K"), p.path("size").asLong()));
        }
        return packets;
    }

    /**
     * The presentation times (seconds) of the first video stream's decoded pictures, in the order a
     * player shows them; with B-frames this is not the order of the packets in the file.
     */
    public static List<Double> pictureTimes(Path file) throws IOException, InterruptedException {
        JsonNode root = ffprobe(file, "-select_streams", "v:0", "-show_frames", "-show_entries", "frame=pts_time");
        List<Double> times = new ArrayList<>();
        for (JsonNode f : root.path("frames")) {
            times.add(seconds(f, "pts_time"));
        }
        return times;
    }

    /** The container's duration ({@code format.duration}). */
    public static Duration duration(Path file) throws IOException, InterruptedException {
        JsonNode root = ffprobe(file, "-show_entries", "format=duration");
        String text = root.path("format").path("duration").asText();
        if (text.isEmpty() || text.equals("N/A")) {
            throw new IOException("ffprobe reports no duration for " + file);
        }
        return Duration.ofNanos(new BigDecimal(text).movePointRight(9).longValueExact());
    }

    /** Frames of the first video stream that actually decode ({@code -count_frames}). */
    public static long frameCount(Path file) throws IOException, InterruptedException {
        JsonNode root = ffprobe(file, "-count_frames", "-select_streams", "v:0",
                "-show_entries", "stream=nb_read_frames");
        JsonNode stream = root.path("streams").path(0);
        if (stream.isMissingNode()) {
            throw new IOException("no video stream in " + file);
        }
        return Long.parseLong(stream.path("nb_read_frames").asText());
    }

    /**
     * What {@code ffmpeg -v error -i FILE -f null -} complains about while decoding every stream;
     * empty when the file decodes cleanly. A failed run adds a line with its exit code.
     */
    public static List<String> decodeErrors(Path file) throws IOException, InterruptedException {
        ExternalCommand.Result r = ExternalCommand.run(List.of(FFMPEG, "-nostdin", "-hide_banner",
                "-v", "error", "-i", file.toString(), "-f", "null", "-"), TIMEOUT);
        List<String> errors = new ArrayList<>(r.stderr().lines().filter(l -> !l.isBlank()).toList());
        if (r.exitCode() != 0) {
            errors.add("ffmpeg exited with code " + r.exitCode());
        }
        return errors;
    }

    /** The file's top-level MP4 boxes ({@code ftyp}, {@code moov}, {@code moof}, {@code mdat}...). */
    public static List<Mp4Boxes.Box> topLevelBoxes(Path file) throws IOException {
        return Mp4Boxes.topLevel(file);
    }

    /** See {@link Mp4Boxes#isFragmented}. */
    public static boolean isFragmented(Path file) throws IOException {
        return Mp4Boxes.isFragmented(file);
    }

    /** See {@link Mp4Boxes#fragments}. */
    public static List<Mp4Boxes.Fragment> fragments(Path file) throws IOException {
        return Mp4Boxes.fragments(file);
    }

    /** The duration of each fragment of the video track, from the {@code moof} sample tables. */
    public static List<Duration> fragmentDurations(Path file) throws IOException {
        return Mp4Boxes.fragments(file).stream().map(Mp4Boxes.Fragment::duration).toList();
    }

    private static JsonNode ffprobe(Path file, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(FFPROBE, "-v", "error", "-of", "json"));
        command.addAll(List.of(args));
        command.add(file.toString());
        ExternalCommand.Result r = ExternalCommand.run(command, TIMEOUT);
        if (r.exitCode() != 0) {
            throw new IOException("ffprobe failed (exit " + r.exitCode() + ") on " + file + ": " + r.stderr().strip());
        }
        return JSON.readTree(r.stdout());
    }

    private static double seconds(JsonNode node, String field) {
        String text = node.path(field).asText();
        return text.isEmpty() || text.equals("N/A") ? Double.NaN : Double.parseDouble(text);
    }
}
