package org.nvr.rtp;

import java.time.Instant;

/**
 * One RTCP sender report's sender info (RFC 3550 section 6.4.1): which RTP timestamp of the sender's
 * stream belongs to which instant of its wall clock, and how much it has sent. Immutable; any thread.
 *
 * @param ssrc         the sender's SSRC, the same as its RTP packets'
 * @param ntpTimestamp the sender's wall clock as a 64-bit NTP timestamp: seconds since 1900 in the high
 *                     32 bits, a binary fraction of a second in the low 32
 * @param rtpTimestamp the RTP timestamp (unsigned, in an int) of the same instant
 * @param packetCount  RTP packets sent since the sender started (unsigned 32 bits)
 * @param octetCount   payload octets sent since the sender started (unsigned 32 bits)
 */
public record SenderReport(int ssrc, long ntpTimestamp, int rtpTimestamp, long packetCount, long octetCount) {

    /** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01). */
    static final long NTP_UNIX_OFFSET = 2_208_988_800L;
    /** Seconds of one NTP era: the 32-bit seconds wrap in 2036. */
    private static final long NTP_ERA = 1L << 32;

    /**
     * The sender's wall clock at {@link #rtpTimestamp}. The fraction is converted exactly to whole
     * nanoseconds (rounded down). Seconds with the top bit clear are read as the era after 2036
     * (RFC 4330 section 3): a camera clock between 1968 and 2036 reads as itself, one set to 1970 or 2000
     * as such, and one past February 2036 as 2036 and later, not 1900.
     */
    public Instant ntpTime() {
        long seconds = ntpTimestamp >>> 32;
        if (seconds < (1L << 31)) {
            seconds += NTP_ERA;
        }
        long fraction = ntpTimestamp & 0xFFFF_FFFFL;
        long nanos = (fraction * 1_000_000_000L) >>> 32; // < 2^62: no overflow
        return Instant.ofEpochSecond(seconds - NTP_UNIX_OFFSET, nanos);
    }
}
