package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.FrameSink;
import org.nvr.media.Track;
import org.nvr.store.TrackClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands what an FFmpeg session records to the camera's live {@link FrameSink} as media-model frames:
 * pictures with their NAL units behind 4-byte lengths instead of Annex B start codes, audio as it is
 * written (AAC only), timestamps on the run's clock (the same one for every track, so they stay in
 * sync) plus one second, so that pictures shown before their decoding time start is never negative.
 *
 * <p>While the sink wants no frames (nobody watches) a packet costs one method call: no byte is copied.
 * Tracks are announced at the first keyframe wanted, and again when a keyframe's parameter sets change.
 * A failure here is logged once and ends live view for the session; it never reaches the recording.
 *
 * <p>Owned by one session, on its camera thread.
 */
final class LiveFrames {
    private static final Logger LOG = LoggerFactory.getLogger(LiveFrames.class);
    private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);

    private final FrameSink sink;
    private final String camera;
    private StreamPlan plan;
    /** Per track, the time (in its clock) that the live timeline counts from; null before the run. */
    private long[] base;
    private Track video;
    private Track audio;
    private boolean failed;

    LiveFrames(FrameSink sink, String camera) {
        this.sink = sink;
        this.camera = camera;
    }

    /** The run's first picture is at {@code originMicros} (stream time). */
    void start(StreamPlan plan, long originMicros) {
        this.plan = plan;
        base = new long[plan.trackCount()];
        for (int t = 0; t < base.length; t++) {
            int rate = clockRate(plan.timeBase(t));
            base[t] = av_rescale_q(originMicros, MICROS, plan.timeBase(t)) - rate; // one second ahead
        }
        video = null;
        audio = null;
    }

    /** A picture (track 0) or an audio frame about to be written, with its stamp in its track's time base. */
    void accept(AVPacket pkt, int track, TrackClock.Stamp stamp) {
        if (failed || base == null || track >= base.length || !sink.wantsFrames()) {
            return;
        }
        try {
            forward(pkt, track, stamp);
        } catch (RuntimeException e) {
            failed = true;
            LOG.warn("{}: live view stops for this session: {}", camera, e.toString());
            sink.end();
        }
    }

    private void forward(AVPacket pkt, int track, TrackClock.Stamp stamp) {
        if (track > 1 || pkt.size() <= 0) {
            return;
        }
        byte[] raw = new byte[pkt.size()];
        pkt.data().get(raw);
        boolean key = track != 0 || (pkt.flags() & AV_PKT_FLAG_KEY) != 0;
        byte[] data;
        Track t;
        if (track == 0) {
            data = lengthPrefixed(raw);
            if (key) {
                announceIfChanged(data);
            }
            if (video == null) {
                return; // waiting for a keyframe to start from
            }
            t = video;
        } else {
            if (audio == null) {
                return;
            }
            data = raw;
            t = audio;
        }
        sink.frame(new Frame(t, stamp.pts() - base[track], stamp.dts() - base[track], key, data));
    }

    /** {@code keyframe}: its NAL units behind 4-byte lengths, as the media model's frames carry them. */
    private void announceIfChanged(byte[] keyframe) {
        int codecId = plan.videoCodecId();
        if (codecId != AV_CODEC_ID_H264 && codecId != AV_CODEC_ID_HEVC) {
            return;
        }
        Codec codec = codecId == AV_CODEC_ID_H264 ? Codec.H264 : Codec.H265;
        List<byte[]> sets = inBandParameterSets(codec, keyframe);
        if (sets.isEmpty()) {
            if (video != null) {
                return; // no in-band sets: the announced ones still hold
            }
            AVCodecParameters par = plan.parameters(0);
            if (par.extradata() == null || par.extradata_size() <= 0) {
                return;
            }
            byte[] extradata = new byte[par.extradata_size()];
            par.extradata().get(extradata);
            sets = inBandParameterSets(codec, lengthPrefixed(extradata));
            if (sets.isEmpty()) {
                return; // not Annex B, or empty: nothing a browser could start from
            }
        }
        if (video != null && Track.sameParameterSets(sets, video.parameterSets())) {
            return;
        }
        int rate = clockRate(plan.timeBase(0));
        if (rate <= 0) {
            return;
        }
        video = Track.video(0, codec, rate, sets);
        audio = audioTrack();
        sink.tracks(audio == null ? List.of(video) : List.of(video, audio));
    }

    private Track audioTrack() {
        if (plan.trackCount() < 2) {
            return null;
        }
        AVCodecParameters par = plan.parameters(1);
        int rate = clockRate(plan.timeBase(1));
        if (par.codec_id() != AV_CODEC_ID_AAC || rate <= 0 || par.extradata() == null || par.extradata_size() <= 0) {
            return null;
        }
        byte[] config = new byte[par.extradata_size()];
        par.extradata().get(config);
        return Track.audio(1, Codec.AAC, rate, config, par.sample_rate(), par.ch_layout().nb_channels());
    }

    /**
     * The parameter sets that NAL units behind 4-byte lengths carry, read as the media model reads any
     * frame's ({@link Frame#inBandParameterSets()}: one of each kind, the last winning); empty without.
     */
    static List<byte[]> inBandParameterSets(Codec codec, byte[] lengthPrefixed) {
        return new Frame(Track.video(0, codec, 90_000, List.of()), 0, 0, true, lengthPrefixed).inBandParameterSets();
    }

    /** The session ended. */
    void end() {
        base = null;
        sink.end();
    }

    /** Units per second of a time base {@code 1/n} (or {@code k/(k*n)}); 0 when it is not a whole rate. */
    private static int clockRate(AVRational tb) {
        return tb.num() > 0 && tb.den() % tb.num() == 0 ? tb.den() / tb.num() : 0;
    }

    /** Annex B ({@code 00 00 01} / {@code 00 00 00 01} before each NAL unit) to 4-byte big-endian lengths. */
    static byte[] lengthPrefixed(byte[] annexB) {
        int[] bounds = nalBounds(annexB);
        int size = 0;
        for (int k = 0; k < bounds.length; k += 2) {
            size += 4 + bounds[k + 1] - bounds[k];
        }
        byte[] out = new byte[size];
        int at = 0;
        for (int k = 0; k < bounds.length; k += 2) {
            int n = bounds[k + 1] - bounds[k];
            out[at] = (byte) (n >>> 24);
            out[at + 1] = (byte) (n >>> 16);
            out[at + 2] = (byte) (n >>> 8);
            out[at + 3] = (byte) n;
            System.arraycopy(annexB, bounds[k], out, at + 4, n);
            at += 4 + n;
        }
        return out;
    }

    /** Start and end of each NAL unit's bytes, in pairs; empty units left out. */
    private static int[] nalBounds(byte[] b) {
        int[] bounds = new int[16];
        int count = 0;
        int start = -1;
        int i = 0;
        while (i <= b.length) {
            boolean code = i + 2 < b.length && b[i] == 0 && b[i + 1] == 0 && b[i + 2] == 1;
            if (code || i == b.length) {
                if (start >= 0) {
                    int end = i;
                    while (end > start && b[end - 1] == 0) {
                        end--; // the leading zero of a 4-byte start code, or trailing_zero_8bits
                    }
                    if (end > start) {
                        if (count + 2 > bounds.length) {
                            bounds = Arrays.copyOf(bounds, bounds.length * 2);
                        }
                        bounds[count++] = start;
                        bounds[count++] = end;
                    }
                }
                if (i == b.length) {
                    break;
                }
                start = i + 3;
                i += 3;
            } else {
                i++;
            }
        }
        return Arrays.copyOf(bounds, count);
    }
}
