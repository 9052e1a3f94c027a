package org.nvr.rtsp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One stream's entry of the RTSP {@code RTP-Info} header of a PLAY response (RFC 2326 section 12.33):
 * {@code url=rtsp://cam/track1;seq=4711;rtptime=123456}. Values that do not parse (cameras send
 * garbage) are treated as absent, as is a trailing {@code ;}. Even parsed values may be wrong (some
 * cameras always say {@code seq=0}): a client must not trust them for loss detection at start.
 * Immutable; any thread.
 *
 * @param url     the stream's control URL, empty when missing
 * @param seq     the first RTP sequence number, 0-65535
 * @param rtptime the RTP timestamp of that packet, 0-2^32-1
 */
public record RtpInfo(String url, OptionalInt seq, OptionalLong rtptime) {

    /** Every entry of a header value, in order. */
    public static List<RtpInfo> parse(String value) {
        List<RtpInfo> all = new ArrayList<>();
        // Entries are comma-separated, but a URL may itself hold a comma: a new entry starts at "url=".
        for (String entry : value.split(",(?=\\s*url\\s*=)")) {
            if (!entry.isBlank()) {
                all.add(parseEntry(entry));
            }
        }
        return all;
    }

    private static RtpInfo parseEntry(String entry) {
        String url = "";
        OptionalInt seq = OptionalInt.empty();
        OptionalLong rtptime = OptionalLong.empty();
        for (String part : entry.split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String v = part.substring(eq + 1).strip();
            switch (name) {
                case "url" -> url = v;
                case "seq" -> {
                    long n = number(v);
                    seq = n >= 0 && n <= 0xFFFF ? OptionalInt.of((int) n) : OptionalInt.empty();
                }
                case "rtptime" -> {
                    long n = number(v);
                    rtptime = n >= 0 && n <= 0xFFFF_FFFFL ? OptionalLong.of(n) : OptionalLong.empty();
                }
                default -> {
                }
            }
        }
        return new RtpInfo(url, seq, rtptime);
    }

    private static long number(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
