package org.nvr.source.rtsp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nvr.camera.SourceException;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.source.ffmpeg.FrameTranscoder;
import org.nvr.store.FrameRecorder;

/**
 * Which of a session's tracks the recorder gets, as the FFmpeg source decides it: the first video track,
 * and the first audio track when the camera's {@link AudioPolicy} keeps it; AAC as it is, G.711 through a
 * {@link FrameTranscoder} to AAC (so the recorder only ever sees what MP4 holds). Audio that is not kept
 * is said once per camera through {@link StreamWarnings}; a transcoder that fails drops the audio for
 * the rest of the session and video goes on.
 *
 * <p>Owned by one session and used only on its camera's writer lane; owns the transcoder.
 */
final class RecordedTracks implements AutoCloseable {
    private final CameraConfig camera;
    private final StreamWarnings warnings;
    /** Track index to what the recorder gets; a track not in it is not recorded. */
    private final Map<Integer, Route> routes = new HashMap<>();

    private record Route(FrameTranscoder transcoder, String from) {
    }

    private static final Route COPY = new Route(null, null);

    RecordedTracks(CameraConfig camera, StreamWarnings warnings) {
        this.camera = camera;
        this.warnings = warnings;
    }

    /** Starts over for {@code tracks}; returns the tracks the recorder is to get. */
    List<Track> open(List<Track> tracks) {
        close();
        List<Track> recorded = new ArrayList<>();
        boolean video = false;
        boolean audio = false;
        for (Track track : tracks) {
            if (track.codec().isVideo()) {
                if (!video) {
                    video = true;
                    routes.put(track.index(), COPY);
                    recorded.add(track);
                }
            } else if (!audio) {
                audio = true;
                Track kept = audio(track);
                if (kept != null) {
                    recorded.add(kept);
                }
            }
        }
        return recorded;
    }

    private Track audio(Track track) {
        String codec = track.codec().ffmpegName();
        if (camera.audio() == AudioPolicy.DROP) {
            return null; // configured away: nothing to warn about
        }
        if (track.codec() == Codec.AAC) {
            routes.put(track.index(), COPY);
            return track;
        }
        if (camera.audio() != AudioPolicy.TRANSCODE || !FrameTranscoder.transcodes(track.codec())) {
            warnings.dropped(camera.id(), codec, "MP4 cannot hold " + codec + " and the camera's audio policy"
                    + " is not to transcode");
            return null;
        }
        try {
            FrameTranscoder transcoder = FrameTranscoder.open(track);
            routes.put(track.index(), new Route(transcoder, codec));
            return transcoder.output();
        } catch (IOException | RuntimeException e) {
            warnings.dropped(camera.id(), codec, "MP4 cannot hold " + codec + " and it cannot be transcoded to AAC: "
                    + e.getMessage());
            return null;
        }
    }

    /** Hands {@code frame} to {@code recorder} as the recorder is to get it, if at all. */
    void frame(Frame frame, FrameRecorder recorder) throws IOException, SourceException, InterruptedException {
        Route route = routes.get(frame.track().index());
        if (route == null) {
            return;
        }
        if (route.transcoder() == null) {
            recorder.frame(frame);
            return;
        }
        try {
            route.transcoder().transcode(frame, aac -> recorder.frame(aac, held(frame, aac)));
        } catch (FrameTranscoder.Failed e) {
            dropAudio(frame.track().index(), route, e);
        }
    }

    /**
     * How long the transcoder held {@code aac} back: the end of the G.711 frame that completed it minus the
     * end of its own audio (an AAC-LC frame is 1024 samples). The recorder places audio by its arrival;
     * without this the transcoded track would start up to two AAC frames late against the video.
     */
    static java.time.Duration held(Frame g711, Frame aac) {
        Track in = g711.track();
        int inRate = in.sampleRate() > 0 ? in.sampleRate() : in.clockRate();
        long samples = g711.size() / Math.max(1, in.channels());
        double inEnd = (g711.pts() + samples * (double) in.clockRate() / inRate) / in.clockRate();
        double outEnd = (aac.pts() + AAC_FRAME_SAMPLES) / (double) aac.track().clockRate();
        return java.time.Duration.ofNanos(Math.max(0, Math.round((inEnd - outEnd) * 1e9)));
    }

    private static final int AAC_FRAME_SAMPLES = 1024;

    /** At the session's end: the audio the transcoder still holds. */
    void flush(FrameRecorder recorder) throws IOException, SourceException, InterruptedException {
        for (var entry : List.copyOf(routes.entrySet())) {
            Route route = entry.getValue();
            if (route.transcoder() != null) {
                try {
                    route.transcoder().flush(recorder::frame);
                } catch (FrameTranscoder.Failed e) {
                    dropAudio(entry.getKey(), route, e);
                }
            }
        }
    }

    private void dropAudio(int track, Route route, FrameTranscoder.Failed e) {
        warnings.dropped(camera.id(), route.from(), "transcoding it to AAC failed mid-session (" + e.getMessage() + ")");
        routes.remove(track);
        route.transcoder().close();
    }

    @Override
    public void close() {
        routes.values().forEach(r -> {
            if (r.transcoder() != null) {
                r.transcoder().close();
            }
        });
        routes.clear();
    }
}
