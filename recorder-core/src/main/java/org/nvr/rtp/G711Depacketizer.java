package org.nvr.rtp;

import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * G.711 A-law (PCMA, payload type 8) and µ-law (PCMU, 0) over RTP (RFC 3551): each packet's payload
 * is one frame as it is, one byte per sample, dated by the packet's timestamp in the 8 kHz clock.
 * A lost packet is a gap in the audio, nothing to repair. Not thread-safe; one per track.
 */
public final class G711Depacketizer implements Depacketizer {

    private final Track track;
    private long frames;

    /** @param track a PCMA or PCMU track */
    public G711Depacketizer(Track track) {
        if (track.codec() != Codec.PCMA && track.codec() != Codec.PCMU) {
            throw new IllegalArgumentException("not a G.711 track: " + track.codec());
        }
        this.track = track;
    }

    @Override
    public void push(RtpPacket packet, long timestamp, Consumer<Frame> out) {
        ByteBuf payload = packet.payload();
        if (!payload.isReadable()) {
            return;
        }
        byte[] data = new byte[payload.readableBytes()];
        payload.getBytes(payload.readerIndex(), data);
        frames++;
        out.accept(new Frame(track, timestamp, timestamp, true, data));
    }

    @Override
    public void discontinuity() {
        // every packet stands alone
    }

    public long frames() {
        return frames;
    }

    @Override
    public long droppedFrames() {
        return 0;
    }
}
