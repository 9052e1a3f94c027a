package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_format;
import static org.bytedeco.ffmpeg.global.avformat.avformat_query_codec;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVOutputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.media.BrowserCodecs;
import org.nvr.store.TrackClock;

/**
 * Which input streams a session records and as which output track: track 0 is the camera's video,
 * track 1 its audio. Audio that MP4 can hold is copied. Audio that it cannot hold (G.711, the default
 * of many cameras) is transcoded to AAC under {@link AudioPolicy#TRANSCODE}; otherwise, or when
 * the transcoder cannot be opened, it is left out with one warning per camera, so audio never costs
 * video.
 *
 * <p>Owned by one session, on its camera thread; owns the {@link AudioTranscoder}, if any, and
 * closes it in {@link #close()}.
 */
final class StreamPlan implements AutoCloseable {
    private static final int FF_COMPLIANCE_NORMAL = 0;

    private final int[] trackOfStream;
    private final List<Mp4SegmentWriter.Track> tracks = new ArrayList<>();
    private AudioTranscoder transcoder;
    private AVStream videoStream;
    private ParameterChanges videoParameters;
    private int transcodedStream = -1;
    private String transcodedFrom;

    private StreamPlan(int streamCount) {
        trackOfStream = new int[streamCount];
        java.util.Arrays.fill(trackOfStream, -1);
    }

    static StreamPlan of(AVFormatContext ic, CameraConfig camera, StreamWarnings warnings) throws SourceException {
        AVOutputFormat mp4 = av_guess_format("mp4", null, null);
        StreamPlan plan = new StreamPlan(ic.nb_streams());
        AVStream video = null;
        AVStream audio = null;
        for (int i = 0; i < ic.nb_streams(); i++) {
            AVStream st = ic.streams(i);
            int type = st.codecpar().codec_type();
            if (type == AVMEDIA_TYPE_VIDEO && video == null) {
                video = st;
            } else if (type == AVMEDIA_TYPE_AUDIO && audio == null) {
                audio = st;
            }
        }
        if (video == null) {
            throw new SourceException(FailureReason.NO_VIDEO, camera.id() + ": the stream has no video");
        }
        if (avformat_query_codec(mp4, video.codecpar().codec_id(), FF_COMPLIANCE_NORMAL) != 1) {
            throw new SourceException(FailureReason.PROTOCOL, camera.id() + ": video codec "
                    + codecName(video.codecpar()) + " cannot be recorded to MP4 without transcoding");
        }
        if (!BrowserCodecs.playable(codecName(video.codecpar()))) {
            warnings.videoNotPlayableInBrowsers(camera.id(), codecName(video.codecpar()));
        }
        plan.add(video.index(), new Mp4SegmentWriter.Track(video.codecpar(), video.time_base()));
        plan.videoStream = video;
        plan.videoParameters = new ParameterChanges(video.codecpar().codec_id());
        if (audio != null) {
            String codec = codecName(audio.codecpar());
            if (camera.audio() == AudioPolicy.DROP) {
                // configured away: nothing to warn about
            } else if (avformat_query_codec(mp4, audio.codecpar().codec_id(), FF_COMPLIANCE_NORMAL) == 1) {
                plan.add(audio.index(), new Mp4SegmentWriter.Track(audio.codecpar(), audio.time_base()));
            } else if (camera.audio() == AudioPolicy.TRANSCODE) {
                plan.addTranscoded(audio, camera.id(), warnings);
            } else {
                warnings.dropped(camera.id(), codec, "MP4 cannot hold " + codec + " and the camera's audio policy"
                        + " is not to transcode");
            }
        }
        return plan;
    }

    private void add(int stream, Mp4SegmentWriter.Track track) {
        trackOfStream[stream] = tracks.size();
        tracks.add(track);
    }

    private void addTranscoded(AVStream audio, String camera, StreamWarnings warnings) {
        String codec = codecName(audio.codecpar());
        try {
            transcoder = AudioTranscoder.open(audio.codecpar(), audio.time_base());
        } catch (IOException | RuntimeException e) {
            warnings.dropped(camera, codec, "MP4 cannot hold " + codec + " and it cannot be transcoded to AAC: "
                    + e.getMessage());
            return;
        }
        transcodedStream = audio.index();
        transcodedFrom = codec;
        add(audio.index(), new Mp4SegmentWriter.Track(transcoder.outputParameters(), transcoder.outputTimeBase()));
    }

    /** The transcoder that makes track {@code track}, while it is in use; null for copied tracks. */
    AudioTranscoder transcoder(int track) {
        return track >= 0 && track == transcodedTrack() ? transcoder : null;
    }

    /** The transcoded track, or -1 (none, or transcoding has stopped). */
    int transcodedTrack() {
        return transcodedStream >= 0 ? trackOf(transcodedStream) : -1;
    }

    /**
     * After a transcoder failure: the camera's audio is no longer recorded in this session. The track
     * stays in {@link #tracks()} (so the rest of the session's segments keep their layout, with an empty
     * audio track) and the transcoder stays open until {@link #close()}, as the track's parameters
     * are its.
     */
    void stopTranscoding() {
        if (transcodedStream >= 0) {
            trackOfStream[transcodedStream] = -1;
        }
    }

    /** The codec the camera sends for a transcoded track, or null. */
    String transcodedFrom() {
        return transcodedFrom;
    }

    /** The output track of input stream {@code streamIndex}, or -1 when it is not recorded. */
    int trackOf(int streamIndex) {
        return streamIndex >= 0 && streamIndex < trackOfStream.length ? trackOfStream[streamIndex] : -1;
    }

    int trackCount() {
        return tracks.size();
    }

    /** Track {@code track}'s codec parameters as the stream announced them (no parameter change adopted). */
    AVCodecParameters parameters(int track) {
        return tracks.get(track).parameters();
    }

    AVRational timeBase(int track) {
        return tracks.get(track).timeBase();
    }

    /** The tracks of a segment opened now (after a parameter change, video carries the new sets). */
    List<Mp4SegmentWriter.Track> tracks() {
        List<Mp4SegmentWriter.Track> out = new ArrayList<>(tracks);
        Mp4SegmentWriter.Track video = out.get(0);
        out.set(0, new Mp4SegmentWriter.Track(videoParameters.parametersFor(video.parameters()), video.timeBase()));
        return out;
    }

    TrackClock[] clocks() {
        TrackClock[] clocks = new TrackClock[tracks.size()];
        for (int t = 0; t < clocks.length; t++) {
            AVRational tb = timeBase(t);
            long ticksPerSecond = Math.max(1, tb.den() / Math.max(1, tb.num()));
            long defaultDelta = t == 0 ? ticksPerSecond / 25 : 1024;
            clocks[t] = new TrackClock(ticksPerSecond, defaultDelta);
        }
        return clocks;
    }

    /** Whether this video picture carries stream parameters that differ from the open segment's. */
    boolean parametersChanged(AVPacket picture) {
        return (picture.flags() & AV_PKT_FLAG_KEY) != 0 && videoParameters.changed(picture);
    }

    int videoCodecId() {
        return videoStream.codecpar().codec_id();
    }

    /** One frame's duration in the video time base, from the stream's frame rate (25 fps if unknown). */
    long videoFrameTicks() {
        AVRational rate = videoStream.avg_frame_rate().num() > 0 ? videoStream.avg_frame_rate() : videoStream.r_frame_rate();
        double fps = rate.num() > 0 && rate.den() > 0 ? (double) rate.num() / rate.den() : 25;
        if (fps < 1 || fps > 240) {
            fps = 25;
        }
        AVRational tb = videoStream.time_base();
        return Math.max(1, Math.round(tb.den() / (tb.num() * fps)));
    }

    String videoCodec() {
        return codecName(tracks.get(0).parameters());
    }

    Integer width() {
        int w = videoParameters.width() > 0 ? videoParameters.width() : tracks.get(0).parameters().width();
        return w > 0 ? w : null;
    }

    Integer height() {
        int h = videoParameters.height() > 0 ? videoParameters.height() : tracks.get(0).parameters().height();
        return h > 0 ? h : null;
    }

    /** The codec of the recorded audio track (as in the file: {@code aac} when transcoded), or null. */
    String audioCodec() {
        return tracks.size() > 1 ? codecName(tracks.get(1).parameters()) : null;
    }

    String describe() {
        return videoCodec() + (width() != null ? " " + width() + "x" + height() : "")
                + (audioCodec() != null ? " + " + audioCodec() : "")
                + (transcodedFrom != null ? " (from " + transcodedFrom + ")" : "");
    }

    @Override
    public void close() {
        if (transcoder != null) {
            transcoder.close();
        }
        if (videoParameters != null) {
            videoParameters.close();
        }
    }

    static String codecName(AVCodecParameters par) {
        return avcodec_get_name(par.codec_id()).getString();
    }
}
