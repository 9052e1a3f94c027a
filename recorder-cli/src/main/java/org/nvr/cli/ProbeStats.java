package org.nvr.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.nvr.camera.SourceException;
import org.nvr.media.AvcSps;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.HevcSps;
import org.nvr.media.Track;
import org.nvr.rtsp.RtspSessionListener;

/**
 * What {@code nvr probe} learns from the frames of one session: per track the codec, and for video the
 * picture size (from the SPS), frame rate (from decode-time deltas), GOP (frames between keyframes) and
 * bit rate; for audio the sample rate and channels. Frames' bytes are not kept.
 *
 * <p>Filled on the session's event loop, read by the command's thread: every method is synchronized.
 */
final class ProbeStats implements RtspSessionListener {

    /** One track's figures so far. */
    private static final class TrackStats {
        Track track;
        long frames;
        long bytes;
        long firstDts;
        long lastDts;
        long keyframes;
        long sinceKeyframe = -1;
        final Map<Long, Integer> gops = new HashMap<>();
    }

    private final Map<Integer, TrackStats> tracks = new LinkedHashMap<>();
    private SourceException closed;

    @Override
    public synchronized void onTracks(List<Track> described) {
        for (Track track : described) {
            tracks.computeIfAbsent(track.index(), i -> new TrackStats()).track = track;
        }
    }

    @Override
    public synchronized void onFrame(Frame frame) {
        TrackStats s = tracks.computeIfAbsent(frame.track().index(), i -> new TrackStats());
        s.track = frame.track(); // in-band parameter sets may have replaced the SDP's
        if (s.frames == 0) {
            s.firstDts = frame.dts();
        }
        s.lastDts = frame.dts();
        s.frames++;
        s.bytes += frame.size();
        if (frame.keyframe() && frame.track().codec().isVideo()) {
            s.keyframes++;
            if (s.sinceKeyframe > 0) {
                s.gops.merge(s.sinceKeyframe, 1, Integer::sum);
            }
            s.sinceKeyframe = 0;
        }
        if (s.sinceKeyframe >= 0) {
            s.sinceKeyframe++;
        }
    }

    @Override
    public synchronized void onClosed(SourceException reason) {
        closed = reason;
    }

    synchronized Optional<SourceException> closed() {
        return Optional.ofNullable(closed);
    }

    synchronized long videoFrames() {
        return tracks.values().stream().filter(s -> s.track != null && s.track.codec().isVideo())
                .mapToLong(s -> s.frames).sum();
    }

    /** One map per track, in session order, with the keys of {@code nvr probe --json}. */
    synchronized List<Map<String, Object>> summary() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (TrackStats s : tracks.values()) {
            if (s.track == null) {
                continue;
            }
            Track t = s.track;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("track", t.index());
            m.put("kind", t.codec().isVideo() ? "video" : "audio");
            m.put("codec", t.codec().ffmpegName());
            m.put("frames", s.frames);
            double seconds = s.frames < 2 ? 0 : (double) (s.lastDts - s.firstDts) / t.clockRate();
            if (t.codec().isVideo()) {
                int[] size = pictureSize(t);
                m.put("width", size == null ? null : size[0]);
                m.put("height", size == null ? null : size[1]);
                Double fps = seconds > 0 ? (s.frames - 1) / seconds : null;
                m.put("fps", fps == null ? null : round(fps));
                Long gop = s.gops.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
                m.put("gop_frames", gop);
                m.put("gop_s", gop == null || fps == null ? null : round(gop / fps));
                m.put("keyframes", s.keyframes);
                // bytes of n frames over n frame durations
                m.put("bit_rate", fps == null ? null : Math.round(s.bytes * 8 * fps / s.frames));
            } else {
                m.put("sample_rate", t.sampleRate());
                m.put("channels", t.channels());
                m.put("bit_rate", seconds > 0 ? Math.round(s.bytes * 8 * (s.frames - 1) / seconds / s.frames) : null);
            }
            out.add(m);
        }
        return out;
    }

    /** Width and height from the track's SPS, or null when it has none or it cannot be read. */
    private static int[] pictureSize(Track track) {
        try {
            for (byte[] nal : track.parameterSets()) {
                if (track.codec() == Codec.H264 && nal.length > 0 && (nal[0] & 0x1f) == 7) {
                    AvcSps sps = AvcSps.parse(nal);
                    return new int[] {sps.width(), sps.height()};
                }
                if (track.codec() == Codec.H265 && nal.length > 1 && ((nal[0] >> 1) & 0x3f) == 33) {
                    HevcSps sps = HevcSps.parse(nal);
                    return new int[] {sps.width(), sps.height()};
                }
            }
        } catch (RuntimeException e) {
            return null; // an SPS the parser does not understand: size unknown, the rest still useful
        }
        return null;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
