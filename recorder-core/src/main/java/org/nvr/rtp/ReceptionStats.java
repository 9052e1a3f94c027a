package org.nvr.rtp;

/**
 * What one track's receiver tells its sender in an RTCP receiver report (RFC 3550 section 6.4.1 and
 * appendix A.3, A.8): the extended highest sequence number received, packets lost (cumulative and as a
 * fraction since the last report), interarrival jitter, and the middle bits of the last sender report's
 * NTP time with the delay since it (LSR, DLSR), from which the sender works out the round trip.
 *
 * <p>Fed the packets in the order the track uses them (after a {@link ReorderBuffer}); counting starts at
 * the first packet of the SSRC followed, and starts again when the SSRC changes or the sequence number
 * jumps by more than {@link SequenceTracker#MAX_JUMP}.
 *
 * <p>Not thread-safe; one per track, on its connection's event loop. Times are the caller's ticker in
 * nanoseconds.
 */
public final class ReceptionStats {

    private final int clockRate;
    private boolean started;
    private int ssrc;
    private long baseSequence;
    /** Extended: sequence cycles in the high bits. */
    private long maxSequence;
    private long received;
    private long expectedPrior;
    private long receivedPrior;
    private boolean haveTransit;
    private double lastTransit;
    private double jitter;
    private boolean haveSenderReport;
    private long lastSenderReport;
    private long senderReportArrivalNanos;

    /** @param clockRate the track's RTP clock rate, in which jitter is measured */
    public ReceptionStats(int clockRate) {
        if (clockRate <= 0) {
            throw new IllegalArgumentException("clock rate must be positive: " + clockRate);
        }
        this.clockRate = clockRate;
    }

    /** One RTP packet used by the track, arrived at {@code arrivalNanos}. */
    public void packet(int packetSsrc, int sequence, int timestamp, long arrivalNanos) {
        if (!started || packetSsrc != ssrc) {
            restart(packetSsrc, sequence);
        } else {
            int delta = (short) (sequence - (int) (maxSequence & 0xFFFF));
            if (delta > SequenceTracker.MAX_JUMP || delta < -SequenceTracker.MAX_JUMP) {
                restart(packetSsrc, sequence);
            } else if (delta > 0) {
                maxSequence += delta;
            }
        }
        received++;
        double arrival = arrivalNanos * (clockRate / 1e9);
        double transit = arrival - Integer.toUnsignedLong(timestamp);
        if (haveTransit) {
            double d = Math.abs(transit - lastTransit);
            jitter += (d - jitter) / 16;
        }
        haveTransit = true;
        lastTransit = transit;
    }

    /** A sender report of the sender's SSRC, arrived at {@code arrivalNanos}; reports of other SSRCs are ignored. */
    public void senderReport(SenderReport report, long arrivalNanos) {
        if (started && report.ssrc() != ssrc) {
            return;
        }
        haveSenderReport = true;
        lastSenderReport = (report.ntpTimestamp() >>> 16) & 0xFFFF_FFFFL;
        senderReportArrivalNanos = arrivalNanos;
    }

    /** Whether a packet arrived, so that there is something to report. */
    public boolean started() {
        return started;
    }

    /** The SSRC reported on. */
    public int ssrc() {
        return ssrc;
    }

    /** Packets received since counting started, duplicates included (as RFC 3550 counts them). */
    public long received() {
        return received;
    }

    /** Packets expected since counting started: the extended highest sequence number's distance from the first. */
    public long expected() {
        return started ? maxSequence - baseSequence + 1 : 0;
    }

    /** Expected minus received: negative when duplicates outnumber the lost. */
    public long cumulativeLost() {
        return expected() - received;
    }

    /** Interarrival jitter in RTP timestamp units. */
    public long jitter() {
        return (long) jitter;
    }

    /** The extended highest sequence number received: cycles in the high 16 bits. */
    public long extendedHighestSequence() {
        return maxSequence & 0xFFFF_FFFFL;
    }

    /**
     * The 24-byte report block for the next receiver report, sent at {@code nowNanos}; moves the interval
     * of the loss fraction on.
     */
    public ReportBlock reportBlock(long nowNanos) {
        long expected = expected();
        long expectedInterval = expected - expectedPrior;
        long receivedInterval = received - receivedPrior;
        expectedPrior = expected;
        receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        int fraction = expectedInterval == 0 || lostInterval <= 0 ? 0 : (int) ((lostInterval << 8) / expectedInterval);
        long lost = Math.max(-0x80_0000L, Math.min(0x7F_FFFFL, cumulativeLost()));
        long delay = haveSenderReport ? (nowNanos - senderReportArrivalNanos) * 65536 / 1_000_000_000L : 0;
        return new ReportBlock(ssrc, Math.min(fraction, 255), (int) lost, extendedHighestSequence(), jitter(),
                haveSenderReport ? lastSenderReport : 0, Math.min(delay, 0xFFFF_FFFFL));
    }

    private void restart(int packetSsrc, int sequence) {
        started = true;
        ssrc = packetSsrc;
        baseSequence = sequence;
        maxSequence = sequence;
        received = 0;
        expectedPrior = 0;
        receivedPrior = 0;
        haveTransit = false;
        jitter = 0;
        haveSenderReport = false;
    }

    /**
     * One report block of a receiver report (RFC 3550 section 6.4.1).
     *
     * @param ssrc               the source reported on
     * @param fractionLost       packets lost since the previous report, in 256ths
     * @param cumulativeLost     packets lost since the start (24-bit signed)
     * @param highestSequence    extended highest sequence number received
     * @param jitter             interarrival jitter, in RTP timestamp units
     * @param lastSenderReport   middle 32 bits of the last sender report's NTP time, 0 without one
     * @param delaySinceLastSenderReport since that report, in 1/65536 s, 0 without one
     */
    public record ReportBlock(int ssrc, int fractionLost, int cumulativeLost, long highestSequence, long jitter,
                              long lastSenderReport, long delaySinceLastSenderReport) {
    }
}
