package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.av_grow_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_move_ref;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_ref;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.nvr.store.TrackClock;

/**
 * Joins the video packets of one picture into one sample. FFmpeg's RTP depacketizer returns one packet
 * per NAL unit group, so a camera that codes a picture in several slices (x264's sliced threads, many
 * IP cameras) produces several packets with the same timestamp; an MP4 sample must hold the whole
 * access unit, or players see duplicate timestamps and broken pictures.
 *
 * <p>A picture is complete when a packet with another timestamp arrives, so output lags input by one
 * frame. Packets without a timestamp continue the picture being collected. A packet holding no slice
 * (only an access unit delimiter, parameter sets or SEI, which some cameras and x264 send in packets of
 * their own) joins the picture whose slices follow it, and at the end of a stream, where a camera that
 * went away mid-picture leaves one, it is dropped: on its own it is no picture, and decoders reject it.
 *
 * <h2>The start of a session</h2>
 * FFmpeg's RTSP client gives the first picture of a session no timestamp. Dropping it would lose a
 * whole GOP at every reconnect, so it is kept: if the next packet is another slice of the same picture,
 * or the untimed packet holds no slice at all (only an access unit delimiter, parameter sets or SEI),
 * the two are joined and take the next packet's timestamp; otherwise the untimed picture is dated from
 * the pictures after it. With B-frames, FFmpeg also gives the next few pictures a presentation time but
 * no decoding time, until its reordering buffer is full. So the pictures at the start wait until one
 * arrives with a decoding time; the ones before it are dated one frame apart, back from it, and the
 * untimed first picture is shown one frame before the earliest picture after it. Without B-frames the
 * second picture already has a decoding time, and the first is dated one frame before it.
 *
 * <p>Pictures come out of {@link #poll()} in decoding order. Owns its native packets; not thread-safe
 * (the camera thread).
 */
final class AccessUnits implements AutoCloseable {
    /** Pictures at the start that may wait for a decoding time; far more than any reordering delay. */
    static final int MAX_UNDATED = 16;

    private final int codecId;
    private final long frameTicks;
    private AVPacket pending = av_packet_alloc();
    private boolean hasPending;
    private boolean pendingUntimed;
    /** Complete pictures at the start of the session still without a decoding time. */
    private final ArrayDeque<AVPacket> undated = new ArrayDeque<>();
    private final ArrayDeque<AVPacket> ready = new ArrayDeque<>();
    /** The picture {@link #poll()} handed out last; freed at the next call. */
    private AVPacket out;
    /** A picture with a decoding time has been seen: the start of the session is over. */
    private boolean dated;

    /**
     * @param codecId    the video codec (H.264 and H.265 slice headers are understood)
     * @param frameTicks one frame's duration in the stream's time base, to date the pictures at the start
     */
    AccessUnits(int codecId, long frameTicks) {
        this.codecId = codecId;
        this.frameTicks = Math.max(1, frameTicks);
    }

    /** Adds {@code pkt} (not consumed; the caller still unrefs it). Completed pictures wait in {@link #poll()}. */
    void add(AVPacket pkt) {
        boolean untimed = pkt.dts() == TrackClock.NO_TS && pkt.pts() == TrackClock.NO_TS;
        if (hasPending && !untimed && !samePicture(pkt)
                && (!SliceHeaders.hasSlice(pending, codecId) || pendingUntimed && !SliceHeaders.startsPicture(pkt, codecId))) {
            // A delimiter, parameter sets or SEI alone belong to the picture whose slices follow; the rest
            // of the untimed first picture belongs to it. Either way, it takes this packet's time.
            append(pkt);
            pending.dts(pkt.dts());
            pending.pts(pkt.pts());
            pendingUntimed = false;
            return;
        } else if (hasPending && (untimed || samePicture(pkt))) {
            append(pkt);
            return;
        } else if (!hasPending && untimed) {
            ref(pkt);
            pendingUntimed = true;
            return;
        }
        if (hasPending) {
            complete();
        }
        ref(pkt);
    }

    /** The next complete picture, valid until the next call to any method; null when there is none. */
    AVPacket poll() {
        freeOut();
        out = ready.poll();
        return out;
    }

    /** At the end of a stream: the picture being collected and any still undated become available to {@link #poll()}. */
    void finish() {
        if (hasPending && !pendingUntimed && SliceHeaders.hasSlice(pending, codecId)) {
            complete();
        }
        if (!undated.isEmpty()) {
            giveUpDating();
        }
    }

    private void complete() {
        AVPacket picture = av_packet_alloc();
        av_packet_move_ref(picture, pending);
        hasPending = false;
        pendingUntimed = false;
        if (dated) {
            ready.add(picture);
            return;
        }
        if (picture.dts() == TrackClock.NO_TS) { // the untimed first picture, or one FFmpeg gave a pts only
            undated.add(picture);
            if (undated.size() > MAX_UNDATED) {
                giveUpDating();
            }
            return;
        }
        dateStart(picture);
    }

    /** {@code first} is the session's first picture with a decoding time: the ones before it are dated from it. */
    private void dateStart(AVPacket first) {
        List<AVPacket> before = List.copyOf(undated);
        undated.clear();
        long earliestShown = first.pts() != TrackClock.NO_TS ? first.pts() : first.dts();
        for (AVPacket p : before) {
            if (p.pts() != TrackClock.NO_TS) {
                earliestShown = Math.min(earliestShown, p.pts());
            }
        }
        long dts = first.dts() - before.size() * frameTicks;
        for (AVPacket p : before) {
            p.dts(dts);
            p.pts(p.pts() == TrackClock.NO_TS ? earliestShown - frameTicks : p.pts());
            if (p.pts() < dts) {
                p.pts(dts);
            }
            dts += frameTicks;
            ready.add(p);
        }
        ready.add(first);
        dated = true;
    }

    /**
     * No picture came with a decoding time: the untimed first picture is dated one frame before the
     * next one's presentation time, and {@link TrackClock} fills in the missing decoding times.
     */
    private void giveUpDating() {
        Iterator<AVPacket> it = undated.iterator();
        AVPacket first = it.hasNext() ? it.next() : null;
        if (first != null && first.pts() == TrackClock.NO_TS && first.dts() == TrackClock.NO_TS) {
            AVPacket next = it.hasNext() ? it.next() : null;
            if (next == null) {
                av_packet_free(undated.poll()); // nothing to date it by
            } else {
                first.pts(next.pts() - frameTicks);
            }
        }
        ready.addAll(undated);
        undated.clear();
        dated = true;
    }

    private boolean samePicture(AVPacket pkt) {
        return pkt.dts() == pending.dts() && pkt.pts() == pending.pts();
    }

    private void ref(AVPacket pkt) {
        if (av_packet_ref(pending, pkt) < 0) {
            throw new OutOfMemoryError("av_packet_ref");
        }
        hasPending = true;
    }

    private void append(AVPacket pkt) {
        int old = pending.size();
        if (av_grow_packet(pending, pkt.size()) < 0) {
            throw new OutOfMemoryError("av_grow_packet");
        }
        BytePointer dst = pending.data();
        Pointer.memcpy(dst.position(old), pkt.data(), pkt.size());
        pending.flags(pending.flags() | pkt.flags());
        if (pkt.duration() > 0 && pending.duration() <= 0) {
            pending.duration(pkt.duration());
        }
    }

    private void freeOut() {
        if (out != null) {
            av_packet_free(out);
            out = null;
        }
    }

    @Override
    public void close() {
        freeOut();
        for (AVPacket p : undated) {
            av_packet_free(p);
        }
        undated.clear();
        for (AVPacket p : ready) {
            av_packet_free(p);
        }
        ready.clear();
        if (pending != null) {
            av_packet_free(pending);
            pending = null;
        }
    }
}
