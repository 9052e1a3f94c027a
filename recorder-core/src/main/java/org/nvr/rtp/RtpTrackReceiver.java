package org.nvr.rtp;

import java.util.OptionalLong;
import java.util.function.Consumer;
import org.nvr.media.Frame;

/**
 * One track's RTP packets in, its frames out: skips packets of other payload types (cameras mix
 * stray packets, e.g. payload type 50, into the video), follows sequence numbers and SSRC with a
 * {@link SequenceTracker}, extends timestamps with a {@link TimestampExtender}, and tells the
 * {@link Depacketizer} of every gap and restart so that nothing damaged is handed out.
 *
 * <p>Not thread-safe; one per track, on its connection's event loop.
 */
public final class RtpTrackReceiver {

    private final int payloadType;
    private final Depacketizer depacketizer;
    private final SequenceTracker sequence = new SequenceTracker();
    private final TimestampExtender timestamps = new TimestampExtender();
    private long otherPayloadTypes;

    /**
     * @param payloadType  the track's RTP payload type from the SDP
     * @param depacketizer the track's payload format
     */
    public RtpTrackReceiver(int payloadType, Depacketizer depacketizer) {
        this.payloadType = payloadType;
        this.depacketizer = depacketizer;
    }

    /** Takes one packet of this track's channel or port; hands {@code out} the frames it completes. */
    public void receive(RtpPacket packet, Consumer<Frame> out) {
        if (packet.payloadType() != payloadType) {
            otherPayloadTypes++;
            return;
        }
        switch (sequence.accept(packet.ssrc(), packet.sequence())) {
            case NEXT -> {
            }
            case AFTER_GAP -> depacketizer.discontinuity();
            case RESTARTED -> {
                depacketizer.discontinuity();
                timestamps.restart(packet.timestamp());
            }
            case SKIP_LATE_OR_DUPLICATE, SKIP_FOREIGN -> {
                return;
            }
        }
        depacketizer.push(packet, timestamps.extend(packet.timestamp()), out);
    }

    /**
     * The extended value of a sender report's RTP timestamp, in the numbering of this track's frames; empty
     * when the report is not from the SSRC the track is receiving (or none was received yet): cameras send
     * RTCP of unknown SSRCs, which say nothing about this track's timestamps.
     */
    public OptionalLong extendForReport(SenderReport report) {
        if (!sequence.started() || report.ssrc() != sequence.ssrc()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(timestamps.peek(report.rtpTimestamp()));
    }

    /** The track's RTP payload type from the SDP. */
    public int payloadType() {
        return payloadType;
    }

    public SequenceTracker sequence() {
        return sequence;
    }

    public Depacketizer depacketizer() {
        return depacketizer;
    }

    /** Packets skipped for carrying a payload type that is not the track's. */
    public long otherPayloadTypes() {
        return otherPayloadTypes;
    }
}
