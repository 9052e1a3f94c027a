package org.nvr.session;

import static org.bytedeco.ffmpeg.global.avcodec.av_grow_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_move_ref;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_ref;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Joins the video packets of one picture into one sample. FFmpeg's RTP depacketizer returns one packet
 * per NAL unit group, so a camera that codes a picture in several slices (x264's sliced threads, many
 * IP cameras) produces several packets with the same timestamp; an MP4 sample must hold the whole
 * access unit, or players see duplicate timestamps and broken pictures.
 *
 * <p>A picture is complete when a packet with another timestamp arrives, so output lags input by one
 * frame. Packets without a timestamp continue the picture being collected.
 *
 * <p>FFmpeg's RTSP client gives the first picture of a session no timestamp. Dropping it would lose a
 * whole GOP at every reconnect, so it is kept: if the next packet starts a new picture (read from its
 * slice header), the first picture is dated one frame before it; if the next packet is another slice
 * of the same picture, the two are joined and take its timestamp.
 *
 * <p>Owns two native packets; not thread-safe (the camera thread).
 */
final class AccessUnits implements AutoCloseable {
    private final int codecId;
    private final long frameTicks;
    private AVPacket pending = av_packet_alloc();
    private AVPacket ready = av_packet_alloc();
    private boolean hasPending;
    private boolean pendingUntimed;

    /**
     * @param codecId    the video codec (H.264 and H.265 slice headers are understood)
     * @param frameTicks one frame's duration in the stream's time base, to date an untimed first picture
     */
    AccessUnits(int codecId, long frameTicks) {
        this.codecId = codecId;
        this.frameTicks = Math.max(1, frameTicks);
    }

    /**
     * Adds {@code pkt} (not consumed; the caller still unrefs it).
     *
     * @return the picture completed by this packet, valid until the next call, or null
     */
    AVPacket add(AVPacket pkt) {
        boolean untimed = pkt.dts() == TrackClock.NO_TS && pkt.pts() == TrackClock.NO_TS;
        if (hasPending && pendingUntimed && !untimed) {
            if (!SliceHeaders.startsPicture(pkt, codecId)) {
                append(pkt); // the rest of the untimed picture: it takes this packet's time
                pending.dts(pkt.dts());
                pending.pts(pkt.pts());
                pendingUntimed = false;
                return null;
            }
            long dts = pkt.dts() != TrackClock.NO_TS ? pkt.dts() : pkt.pts();
            pending.dts(dts - frameTicks);
            pending.pts(dts - frameTicks);
            pendingUntimed = false;
        } else if (hasPending && (untimed || samePicture(pkt))) {
            append(pkt);
            return null;
        } else if (!hasPending && untimed) {
            ref(pkt);
            pendingUntimed = true;
            return null;
        }
        AVPacket done = null;
        if (hasPending) {
            av_packet_unref(ready);
            av_packet_move_ref(ready, pending);
            done = ready;
        }
        ref(pkt);
        return done;
    }

    /** The picture being collected, at the end of a stream; null when there is none. */
    AVPacket flush() {
        if (!hasPending || pendingUntimed) {
            return null;
        }
        av_packet_unref(ready);
        av_packet_move_ref(ready, pending);
        hasPending = false;
        return ready;
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

    @Override
    public void close() {
        if (pending != null) {
            av_packet_free(pending);
            av_packet_free(ready);
            pending = null;
            ready = null;
        }
    }
}
