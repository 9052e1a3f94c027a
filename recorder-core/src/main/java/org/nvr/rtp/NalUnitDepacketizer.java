package org.nvr.rtp;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * What H.264 and H.265 depacketizing share: collecting NAL units into access units (pictures),
 * reassembling fragmented NAL units, tracking in-band parameter sets, and dropping whatever a loss
 * damaged. Subclasses read their payload format's packet types and hand NAL units to
 * {@link #nalUnit}, fragments to {@link #fragmentStart}/{@link #fragmentMore}.
 *
 * <p><b>Where a picture ends.</b> At the marker bit, once the picture has a slice (a camera that sets
 * the marker on an SEI sent before the slices does not cut the picture short), or when a packet with
 * another timestamp arrives (a camera that never sets the marker, or whose marker packet was lost).
 * NAL units with no slice after them (an access unit delimiter, SEI) never become a frame of their
 * own; parameter sets among them are kept for the next picture, the rest is dropped.
 *
 * <p><b>Loss.</b> A picture that lost a packet, or whose fragment is incomplete, is dropped, and so
 * is every picture after it until a keyframe: a decoder cannot rebuild them. Which picture lost the
 * packets of a gap is not always known: the picture being collected when the gap is seen is taken as
 * damaged, and the picture after the gap is taken as whole only if its first slice starts the picture
 * (first_mb_in_slice 0, first_slice_segment_in_pic_flag 1), so a keyframe right after a lost picture
 * is kept. Pictures before the first keyframe are dropped the same way. All are counted
 * ({@link #droppedFrames()}).
 *
 * <p><b>Parameter sets.</b> The track starts with the SDP's. Parameter sets sent in-band replace them
 * when they differ (cameras' {@code sprop-parameter-sets} are sometimes wrong), and the frame they
 * arrive with carries a new {@link Track}: a writer that sees {@code frame.track()} change starts a
 * new segment. A frame holds every NAL unit of its picture as the camera sent it, parameter sets
 * included (gst-rtsp-server and some cameras repeat them before every slice of a keyframe).
 * Parameter sets are copied, never decoded: nothing in them can stop recording.
 *
 * <p><b>Copies.</b> A picture is assembled in one buffer of the depacketizer, in the frame's form (each
 * NAL unit after its 4-byte length), fragments appended where their NAL unit goes; the frame gets one
 * copy of it. A payload's bytes are copied twice in all, once into the buffer and once into the frame,
 * whatever the packet types.
 *
 * <p><b>Timestamps.</b> pts is the RTP timestamp (the presentation time). Frames come out in
 * decoding order (packet order), so dts is made from pts kept strictly increasing: a picture whose pts
 * is not after the previous dts (a B-frame) gets the previous dts plus one tick. Without B-frames
 * (nearly every camera) dts = pts; with them the writer sees monotonic dts and exact pts, and writes
 * their difference as a (possibly negative) composition offset.
 *
 * <p>Not thread-safe; one per track.
 */
abstract class NalUnitDepacketizer implements Depacketizer {

    /**
     * The most one picture may hold. A 4K keyframe is a few megabytes; a sender that never ends a
     * picture (no marker, no new timestamp, an endless fragment) must not take the heap with it.
     */
    static final int MAX_PICTURE_BYTES = 16 * 1024 * 1024;
    private static final int INITIAL_PICTURE_BUFFER = 64 * 1024;
    /** A buffer grown past this for one huge picture is not kept for the session. */
    private static final int KEPT_PICTURE_BUFFER = 1024 * 1024;

    private Track track;
    /** The parameter sets in use, in the track's order (H.264: SPS, PPS; H.265: VPS, SPS, PPS). */
    private final byte[][] parameterSets;

    /**
     * The picture being collected, as the frame will hold it: each NAL unit after its 4-byte length. A
     * fragment being reassembled sits past {@link #pictureLength}, at {@code pictureLength + 4}, until
     * its end arrives.
     */
    private byte[] picture = new byte[INITIAL_PICTURE_BUFFER];
    private int pictureLength;
    /** Where each NAL unit's length prefix starts in {@link #picture}. */
    private int[] unitStarts = new int[16];
    private int unitCount;
    private boolean open;
    private long timestamp;
    private boolean hasSlice;
    private boolean keyframe;
    private boolean damaged;
    private boolean parameterSetsSeen;
    private boolean waitingForKeyframe = true;
    /** Packets were lost just before the next one pushed. */
    private boolean gap;
    /** Packets were lost just before this picture's first packet: its first slice must start the picture. */
    private boolean checkFirstSlice;

    /** Bytes of the fragment being reassembled, at {@code picture[pictureLength + 4]}. */
    private int fragmentLength;
    private boolean fragmenting;
    /** Bytes held for the picture being collected, fragments included. */
    private int pictureBytes;

    private long lastDts = Long.MIN_VALUE;
    private long frames;
    private long dropped;
    private long skippedPackets;
    private long skippedNalUnits;
    private long trackChanges;

    /**
     * @param track                the track as the SDP describes it, with its parameter sets if any
     * @param parameterSetKinds    how many kinds of parameter set the codec has (2 or 3)
     */
    NalUnitDepacketizer(Track track, int parameterSetKinds) {
        this.track = track;
        this.parameterSets = new byte[parameterSetKinds][];
        for (byte[] set : track.parameterSets()) {
            int kind = set.length == 0 ? -1 : parameterSetKind(set, 0, set.length);
            if (kind >= 0) {
                parameterSets[kind] = set.clone();
            }
        }
    }

    /** Reads one packet's payload; calls the methods below. */
    abstract void depacketize(ByteBuf payload);

    // The NAL unit these look at is bytes[at, at + length), length > 0.

    /** 0, 1 (, 2) for the codec's parameter set kinds in track order; -1 for any other NAL unit. */
    abstract int parameterSetKind(byte[] bytes, int at, int length);

    /** Whether it is a NAL unit at all: forbidden bit clear, a type that exists. */
    abstract boolean isNalUnit(byte[] bytes, int at, int length);

    /** Whether it is a slice of a picture (a VCL NAL unit). */
    abstract boolean isSlice(byte[] bytes, int at, int length);

    /** Whether this slice is the first of its picture (its first macroblock or CTU is the picture's first). */
    abstract boolean startsPicture(byte[] bytes, int at, int length);

    /** Whether it is a slice of a picture a decoder can start from. */
    abstract boolean isKeyframeSlice(byte[] bytes, int at, int length);

    @Override
    public final void push(RtpPacket packet, long packetTimestamp, Consumer<Frame> out) {
        if (open && packetTimestamp != timestamp) {
            finish(out);
        }
        if (!open) {
            open = true;
            timestamp = packetTimestamp;
            checkFirstSlice = gap;
        }
        gap = false;
        depacketize(packet.payload());
        if (packet.marker() && hasSlice && !fragmenting) {
            finish(out);
        }
    }

    @Override
    public final void discontinuity() {
        if (open) {
            damaged = true;
        }
        fragmenting = false;
        gap = true;
        // Whole pictures may be gone, references among them: even a whole picture after the gap may
        // not decode, unless it is a keyframe.
        waitingForKeyframe = true;
    }

    /** One whole NAL unit, {@code length} bytes of {@code payload} from {@code at} (an aggregate's). */
    final void nalUnit(ByteBuf payload, int at, int length) {
        byte[] fragmentHeld = holdFragment();
        ensure(4 + length);
        payload.getBytes(at, picture, pictureLength + 4, length);
        unitInPlace(length);
        restoreFragment(fragmentHeld);
    }

    /**
     * One payload holding a NAL unit, or several with Annex B start codes between them (cameras that
     * copy their encoder's byte stream into packets): split at the start codes. A NAL unit never holds
     * {@code 00 00 01} (emulation prevention), so finding one is proof of start codes.
     */
    final void nalUnitOrAnnexB(ByteBuf payload) {
        byte[] fragmentHeld = holdFragment();
        int length = payload.readableBytes();
        ensure(4 + length);
        int at = pictureLength + 4;
        payload.getBytes(payload.readerIndex(), picture, at, length);
        if (!AnnexB.hasStartCode(picture, at, length)) {
            unitInPlace(length);
        } else {
            for (byte[] nal : AnnexB.split(Arrays.copyOfRange(picture, at, at + length))) {
                ensure(4 + nal.length);
                System.arraycopy(nal, 0, picture, pictureLength + 4, nal.length);
                unitInPlace(nal.length);
            }
        }
        restoreFragment(fragmentHeld);
    }

    /**
     * Adds the NAL unit of {@code length} bytes just written at {@code picture[pictureLength + 4]} to the
     * picture (writing its length before it), or leaves it out: not a NAL unit, or over the limit.
     */
    private void unitInPlace(int length) {
        if (length == 0) {
            return;
        }
        int at = pictureLength + 4;
        if (!isNalUnit(picture, at, length)) {
            skippedNalUnits++;
            return;
        }
        if (!hold(length)) {
            return;
        }
        int kind = parameterSetKind(picture, at, length);
        if (kind >= 0) {
            parameterSetsSeen = true;
            parameterSets[kind] = Arrays.copyOfRange(picture, at, at + length);
        } else if (isSlice(picture, at, length)) {
            if (!hasSlice && checkFirstSlice && !startsPicture(picture, at, length)) {
                damaged = true; // the lost packets held this picture's first slices
            }
            hasSlice = true;
            keyframe |= isKeyframeSlice(picture, at, length);
        }
        writeLength(pictureLength, length);
        if (unitCount == unitStarts.length) {
            unitStarts = Arrays.copyOf(unitStarts, unitCount * 2);
        }
        unitStarts[unitCount++] = pictureLength;
        pictureLength = at + length;
    }

    /**
     * A whole NAL unit that comes while a fragment is being reassembled (which RFC 6184 does not allow,
     * but the fragment's end may still come): the fragment's bytes, which the unit is about to overwrite,
     * to be put back after it; null when there is no fragment.
     */
    private byte[] holdFragment() {
        if (!fragmenting) {
            return null;
        }
        return Arrays.copyOfRange(picture, pictureLength + 4, pictureLength + 4 + fragmentLength);
    }

    private void restoreFragment(byte[] held) {
        if (held != null && fragmenting) {
            ensure(4 + held.length);
            System.arraycopy(held, 0, picture, pictureLength + 4, held.length);
        }
    }

    /** The first fragment of a NAL unit: its reconstructed header, then the fragment's bytes. */
    final void fragmentStart(byte[] header, ByteBuf rest) {
        if (fragmenting) {
            damaged = true; // the previous NAL unit never got its end fragment
        }
        fragmenting = true;
        fragmentLength = 0;
        append(header, 0, header.length);
        appendFragment(rest);
        if (!fragmenting) {
            return; // over the limit
        }
    }

    /** A later fragment; {@code end} marks the last. A fragment with nothing in it only counts its end bit. */
    final void fragmentMore(ByteBuf rest, boolean end) {
        if (!fragmenting) {
            damaged = true; // its start was lost (or never sent)
            skippedPackets++;
            return;
        }
        appendFragment(rest);
        if (end && fragmenting) {
            fragmenting = false;
            pictureBytes -= fragmentLength; // counted again as a NAL unit
            unitInPlace(fragmentLength); // it is where it goes already
        }
    }

    /** A payload that is not understood (an unsupported packet type) or is malformed. */
    final void skip(boolean damaging) {
        skippedPackets++;
        damaged |= damaging;
    }

    /** Counts {@code bytes} more for the picture; false (and the picture damaged) past the limit. */
    private boolean hold(int bytes) {
        pictureBytes += bytes;
        if (pictureBytes <= MAX_PICTURE_BYTES) {
            return true;
        }
        pictureLength = 0; // nothing of it will be used
        unitCount = 0;
        fragmenting = false;
        damaged = true;
        pictureBytes = MAX_PICTURE_BYTES + 1; // no overflow however long it goes on
        return false;
    }

    private void appendFragment(ByteBuf rest) {
        int length = rest.readableBytes();
        if (!hold(length)) {
            return;
        }
        ensure(4 + fragmentLength + length);
        rest.getBytes(rest.readerIndex(), picture, pictureLength + 4 + fragmentLength, length);
        fragmentLength += length;
    }

    private void append(byte[] bytes, int from, int length) {
        ensure(4 + fragmentLength + length);
        System.arraycopy(bytes, from, picture, pictureLength + 4 + fragmentLength, length);
        fragmentLength += length;
    }

    /** Room for {@code more} bytes past {@link #pictureLength}. */
    private void ensure(int more) {
        if (pictureLength + more > picture.length) {
            picture = Arrays.copyOf(picture, Math.max(picture.length * 2, pictureLength + more));
        }
    }

    private void writeLength(int at, int length) {
        picture[at] = (byte) (length >>> 24);
        picture[at + 1] = (byte) (length >>> 16);
        picture[at + 2] = (byte) (length >>> 8);
        picture[at + 3] = (byte) length;
    }

    private int unitLength(int start) {
        return ((picture[start] & 0xff) << 24) | ((picture[start + 1] & 0xff) << 16)
                | ((picture[start + 2] & 0xff) << 8) | (picture[start + 3] & 0xff);
    }

    private void finish(Consumer<Frame> out) {
        if (fragmenting) {
            damaged = true;
            fragmenting = false;
        }
        if (!hasSlice && !damaged) {
            keepParameterSetsOnly();
            return;
        }
        boolean drop = damaged || (waitingForKeyframe && !keyframe);
        if (damaged) {
            waitingForKeyframe = true;
        }
        if (drop) {
            dropped++;
        } else {
            waitingForKeyframe = false;
            emit(out);
        }
        reset();
    }

    private void emit(Consumer<Frame> out) {
        if (parameterSetsSeen) {
            updateTrack();
        }
        byte[] data = Arrays.copyOf(picture, pictureLength);
        long dts = lastDts != Long.MIN_VALUE && timestamp <= lastDts ? lastDts + 1 : timestamp;
        lastDts = dts;
        frames++;
        out.accept(new Frame(track, timestamp, dts, keyframe, data));
    }

    private void updateTrack() {
        List<byte[]> sets = new ArrayList<>(parameterSets.length);
        for (byte[] set : parameterSets) {
            if (set != null) {
                sets.add(set);
            }
        }
        List<byte[]> current = track.parameterSets();
        boolean same = current.size() == sets.size();
        for (int i = 0; same && i < sets.size(); i++) {
            same = Arrays.equals(current.get(i), sets.get(i));
        }
        if (!same) {
            track = new Track(track.index(), track.codec(), track.clockRate(), sets, null, 0, 0);
            trackChanges++;
        }
    }

    /** An access unit without a slice: parameter sets go on to the next picture, the rest is dropped. */
    private void keepParameterSetsOnly() {
        int kept = 0;
        int keptUnits = 0;
        int keptBytes = 0;
        for (int i = 0; i < unitCount; i++) {
            int start = unitStarts[i];
            int length = unitLength(start);
            if (parameterSetKind(picture, start + 4, length) >= 0) {
                System.arraycopy(picture, start, picture, kept, 4 + length);
                unitStarts[keptUnits++] = kept;
                kept += 4 + length;
                keptBytes += length;
            }
        }
        boolean seen = parameterSetsSeen;
        byte[] buffer = picture;
        reset();
        if (picture != buffer) { // reset let a huge buffer go: keep the parameter sets
            ensure(kept);
            System.arraycopy(buffer, 0, picture, 0, kept);
        }
        pictureLength = kept;
        unitCount = keptUnits;
        parameterSetsSeen = seen;
        pictureBytes = keptBytes;
    }

    private void reset() {
        pictureLength = 0;
        unitCount = 0;
        fragmentLength = 0;
        open = false;
        hasSlice = false;
        keyframe = false;
        damaged = false;
        parameterSetsSeen = false;
        fragmenting = false;
        checkFirstSlice = false;
        pictureBytes = 0;
        if (picture.length > KEPT_PICTURE_BUFFER) {
            picture = new byte[INITIAL_PICTURE_BUFFER]; // one huge picture does not pin its buffer for the session
        }
    }

    /** The track the next frame belongs to: the SDP's, or a newer one made from in-band parameter sets. */
    public final Track track() {
        return track;
    }

    /** Frames handed out. */
    public final long frames() {
        return frames;
    }

    @Override
    public final long droppedFrames() {
        return dropped;
    }

    /** Packets skipped: unsupported packet types, fragments without a start, malformed aggregates. */
    public final long skippedPackets() {
        return skippedPackets;
    }

    /** NAL units skipped for not being NAL units: forbidden bit set, or (H.264) type 0. */
    public final long skippedNalUnits() {
        return skippedNalUnits;
    }

    /** Times in-band parameter sets replaced the track's (each one a new {@link Track}). */
    public final long trackChanges() {
        return trackChanges;
    }
}
