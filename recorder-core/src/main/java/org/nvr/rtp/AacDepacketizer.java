package org.nvr.rtp;

import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * AAC over RTP as {@code mpeg4-generic} (RFC 3640), AAC-hbr mode and its kin: a 16-bit
 * AU-headers-length, AU headers of {@code sizeLength} + {@code indexLength} bits (the later ones
 * {@code sizeLength} + {@code indexDeltaLength}), then the access units. One {@link Frame} per AU: a
 * packet with several gives several, the n-th dated n x 1024 samples after the packet's timestamp; an
 * AU larger than a packet comes in fragments with the same timestamp (the marker on the last) and is
 * handed out whole, or dropped and counted if a fragment is lost (its remaining fragments are skipped;
 * after a gap, a fragment cannot be told to be the first, so an AU that starts right after one is
 * dropped too).
 *
 * <p>Interleaving (a non-zero AU-Index-delta) is not supported: AUs are taken as consecutive, which
 * is what cameras send. Not thread-safe; one per track, on its event loop.
 */
public final class AacDepacketizer implements Depacketizer {

    /** Samples in one AAC frame (AAC-LC and HE-AAC's core; AAC-LD's 480/512 are not camera fare). */
    static final int SAMPLES_PER_FRAME = 1024;

    private final Track track;
    private final int sizeLength;
    private final int indexLength;
    private final int indexDeltaLength;
    /** One AU's duration in the track's clock. */
    private final long frameTicks;

    private byte[] fragment;
    private int fragmentLength;
    private long fragmentTimestamp;
    /** Packets were lost just before the next one. */
    private boolean gap;
    /** The rest of an AU that lost a fragment is skipped: packets with this timestamp. */
    private boolean skipping;
    private long skipTimestamp;

    private long frames;
    private long dropped;

    /** AAC-hbr: {@code sizelength=13; indexlength=3; indexdeltalength=3}, the usual fmtp. */
    public AacDepacketizer(Track track) {
        this(track, 13, 3, 3);
    }

    /**
     * @param track            an AAC track (its clock rate is normally the sample rate)
     * @param sizeLength       the fmtp's {@code sizelength}, bits of an AU's size in its header
     * @param indexLength      the fmtp's {@code indexlength}
     * @param indexDeltaLength the fmtp's {@code indexdeltalength}
     */
    public AacDepacketizer(Track track, int sizeLength, int indexLength, int indexDeltaLength) {
        if (track.codec() != Codec.AAC) {
            throw new IllegalArgumentException("not an AAC track: " + track.codec());
        }
        if (sizeLength < 1 || sizeLength > 16 || indexLength < 0 || indexLength > 8 || indexDeltaLength < 0
                || indexDeltaLength > 8) {
            throw new IllegalArgumentException("unsupported AU header layout: sizelength=" + sizeLength
                    + " indexlength=" + indexLength + " indexdeltalength=" + indexDeltaLength);
        }
        this.track = track;
        this.sizeLength = sizeLength;
        this.indexLength = indexLength;
        this.indexDeltaLength = indexDeltaLength;
        this.frameTicks = track.sampleRate() > 0
                ? (long) SAMPLES_PER_FRAME * track.clockRate() / track.sampleRate() : SAMPLES_PER_FRAME;
    }

    @Override
    public void push(RtpPacket packet, long timestamp, Consumer<Frame> out) {
        ByteBuf payload = packet.payload();
        int at = payload.readerIndex();
        int end = at + payload.readableBytes();
        if (end - at < 2) {
            return;
        }
        int headerBits = payload.getUnsignedShort(at);
        int headerStart = at + 2;
        int dataStart = headerStart + (headerBits + 7) / 8;
        if (dataStart > end) {
            dropFragment();
            dropped++;
            return;
        }
        int count = 0;
        int[] sizes = new int[Math.max(1, headerBits / sizeLength)];
        int bit = 0;
        while (bit + sizeLength + (count == 0 ? indexLength : indexDeltaLength) <= headerBits) {
            sizes[count++] = bits(payload, headerStart, bit, sizeLength);
            bit += sizeLength + (count == 1 ? indexLength : indexDeltaLength);
        }
        if (skipping && timestamp == skipTimestamp) {
            return;
        }
        skipping = false;
        boolean afterGap = gap;
        gap = false;
        if (fragment != null
                && continueFragment(payload, dataStart, end, timestamp, packet.marker(), count == 1 ? sizes[0] : -1, out)) {
            return;
        }
        int data = dataStart;
        for (int i = 0; i < count; i++) {
            int size = sizes[i];
            if (data + size > end) {
                if (count == 1 && afterGap) { // a fragment, but perhaps not the first: the AU is lost
                    skip(timestamp);
                    dropped++;
                } else if (count == 1) { // one AU larger than the packet: the first fragment
                    fragment = new byte[size];
                    fragmentLength = end - data;
                    payload.getBytes(data, fragment, 0, fragmentLength);
                    fragmentTimestamp = timestamp;
                } else {
                    dropped += count - i; // AU headers promising more than the packet holds
                }
                return;
            }
            byte[] frame = new byte[size];
            payload.getBytes(data, frame);
            data += size;
            emit(timestamp + i * frameTicks, frame, out);
        }
    }

    /** Adds a packet to the AU being collected; false if it is not its next fragment (the AU is dropped). */
    private boolean continueFragment(ByteBuf payload, int from, int to, long timestamp, boolean marker, int size,
                                     Consumer<Frame> out) {
        int length = to - from;
        if (timestamp != fragmentTimestamp || size != fragment.length || fragmentLength + length > fragment.length) {
            dropFragment(); // not the rest of this AU: its last fragment is missing, or the sender is confused
            dropped++;
            return false;
        }
        payload.getBytes(from, fragment, fragmentLength, length);
        fragmentLength += length;
        if (fragmentLength == fragment.length) {
            byte[] whole = fragment;
            fragment = null;
            emit(fragmentTimestamp, whole, out);
        } else if (marker) {
            dropFragment(); // the sender says the AU is over, but it is short
            dropped++;
        }
        return true;
    }

    private void skip(long timestamp) {
        skipping = true;
        skipTimestamp = timestamp;
    }

    private void emit(long pts, byte[] data, Consumer<Frame> out) {
        frames++;
        out.accept(new Frame(track, pts, pts, true, data));
    }

    private void dropFragment() {
        fragment = null;
        fragmentLength = 0;
    }

    /** {@code count} bits starting {@code bit} bits after byte {@code from}, big-endian. */
    private static int bits(ByteBuf buffer, int from, int bit, int count) {
        int value = 0;
        for (int i = 0; i < count; i++) {
            int b = bit + i;
            value = (value << 1) | ((buffer.getUnsignedByte(from + b / 8) >> (7 - b % 8)) & 1);
        }
        return value;
    }

    @Override
    public void discontinuity() {
        if (fragment != null) {
            skip(fragmentTimestamp);
            dropFragment();
            dropped++;
        }
        gap = true;
    }

    public long frames() {
        return frames;
    }

    @Override
    public long droppedFrames() {
        return dropped;
    }

}
