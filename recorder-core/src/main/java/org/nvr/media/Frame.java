package org.nvr.media;

import java.util.Objects;

/**
 * One access unit of one track: a whole picture (every slice of it) or an audio frame, with its
 * timestamps in the track's clock. Video data is a sequence of NAL units each preceded by its length
 * as a 4-byte big-endian integer (the form MP4 stores), never Annex B start codes.
 *
 * <p>Immutable by convention: whoever builds a frame hands its array over and keeps no reference to it.
 *
 * @param track     the track it belongs to
 * @param pts       presentation time in {@code track.clockRate()} units, extended past RTP's 32-bit wrap
 * @param dts       decode time in the same units ({@code pts} when the stream has no reordering)
 * @param keyframe  a picture a decoder can start from (IDR/IRAP); audio frames are always key
 * @param data      the bytes, as described above
 */
public record Frame(Track track, long pts, long dts, boolean keyframe, byte[] data) {
    public Frame {
        Objects.requireNonNull(track, "track");
        Objects.requireNonNull(data, "data");
    }

    public int size() {
        return data.length;
    }
}
