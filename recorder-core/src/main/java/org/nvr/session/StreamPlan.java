package org.nvr.session;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avformat.av_guess_format;
import static org.bytedeco.ffmpeg.global.avformat.avformat_query_codec;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVOutputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.ingest.FailureReason;
import org.nvr.ingest.SourceException;
import org.nvr.segment.Mp4SegmentWriter;

/**
 * Which input streams a session records and as which output track: track 0 is the camera's video,
 * track 1 its audio when the MP4 container can hold it as is. Audio that it cannot hold (G.711, the
 * default of many cameras) is left out with one warning per camera, so audio never costs video.
 *
 * <p>Owned by one session; not thread-safe.
 */
final class StreamPlan {
    private static final int FF_COMPLIANCE_NORMAL = 0;

    private final int[] trackOfStream;
    private final List<AVStream> streams = new ArrayList<>();
    private ParameterSets videoParameters;

    private StreamPlan(int streamCount) {
        trackOfStream = new int[streamCount];
        java.util.Arrays.fill(trackOfStream, -1);
    }

    static StreamPlan of(AVFormatContext ic, CameraConfig camera, AudioWarnings warnings) throws SourceException {
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
            throw new SourceException(FailureReason.PROTOCOL, camera.id() + ": the stream has no video");
        }
        if (avformat_query_codec(mp4, video.codecpar().codec_id(), FF_COMPLIANCE_NORMAL) != 1) {
            throw new SourceException(FailureReason.PROTOCOL, camera.id() + ": video codec "
                    + codecName(video.codecpar()) + " cannot be recorded to MP4 without transcoding");
        }
        plan.add(video);
        plan.videoParameters = new ParameterSets(video.codecpar().codec_id());
        if (audio != null) {
            String codec = codecName(audio.codecpar());
            if (camera.audio() == AudioPolicy.DROP) {
                // configured away: nothing to warn about
            } else if (avformat_query_codec(mp4, audio.codecpar().codec_id(), FF_COMPLIANCE_NORMAL) == 1) {
                plan.add(audio);
            } else {
                warnings.dropped(camera.id(), codec, "MP4 cannot hold " + codec
                        + (camera.audio() == AudioPolicy.TRANSCODE ? " and transcoding is not available" : ""));
            }
        }
        return plan;
    }

    private void add(AVStream st) {
        trackOfStream[st.index()] = streams.size();
        streams.add(st);
    }

    /** The output track of input stream {@code streamIndex}, or -1 when it is not recorded. */
    int trackOf(int streamIndex) {
        return streamIndex >= 0 && streamIndex < trackOfStream.length ? trackOfStream[streamIndex] : -1;
    }

    int trackCount() {
        return streams.size();
    }

    AVRational timeBase(int track) {
        return streams.get(track).time_base();
    }

    /** The tracks of a segment opened now (after a parameter change, video carries the new sets). */
    List<Mp4SegmentWriter.Track> tracks() {
        List<Mp4SegmentWriter.Track> tracks = new ArrayList<>();
        for (int t = 0; t < streams.size(); t++) {
            AVStream s = streams.get(t);
            AVCodecParameters par = t == 0 ? videoParameters.parametersFor(s.codecpar()) : s.codecpar();
            tracks.add(new Mp4SegmentWriter.Track(par, s.time_base()));
        }
        return tracks;
    }

    TrackClock[] clocks() {
        TrackClock[] clocks = new TrackClock[streams.size()];
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

    void close() {
        videoParameters.close();
    }

    int videoCodecId() {
        return streams.get(0).codecpar().codec_id();
    }

    /** One frame's duration in the video time base, from the stream's frame rate (25 fps if unknown). */
    long videoFrameTicks() {
        AVStream v = streams.get(0);
        AVRational rate = v.avg_frame_rate().num() > 0 ? v.avg_frame_rate() : v.r_frame_rate();
        double fps = rate.num() > 0 && rate.den() > 0 ? (double) rate.num() / rate.den() : 25;
        if (fps < 1 || fps > 240) {
            fps = 25;
        }
        AVRational tb = v.time_base();
        return Math.max(1, Math.round(tb.den() / (tb.num() * fps)));
    }

    String videoCodec() {
        return codecName(streams.get(0).codecpar());
    }

    Integer width() {
        int w = videoParameters.width() > 0 ? videoParameters.width() : streams.get(0).codecpar().width();
        return w > 0 ? w : null;
    }

    Integer height() {
        int h = videoParameters.height() > 0 ? videoParameters.height() : streams.get(0).codecpar().height();
        return h > 0 ? h : null;
    }

    String audioCodec() {
        return streams.size() > 1 ? codecName(streams.get(1).codecpar()) : null;
    }

    String describe() {
        return videoCodec() + (width() != null ? " " + width() + "x" + height() : "")
                + (audioCodec() != null ? " + " + audioCodec() : "");
    }

    static String codecName(AVCodecParameters par) {
        return avcodec_get_name(par.codec_id()).getString();
    }
}
