package org.nvr.rtsp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * One transport specification of an RTSP {@code Transport} header (RFC 2326 section 12.39), as a
 * server answers SETUP: {@code RTP/AVP/TCP;unicast;interleaved=0-1} or
 * {@code RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1A2B3C4D}. Parameters may come
 * in any order, with blanks around {@code ;} and {@code =}, unknown ones are ignored. Immutable; any thread.
 *
 * @param protocol      {@code RTP/AVP}, {@code RTP/AVP/TCP}, upper-cased
 * @param tcp           whether the lower transport is TCP (interleaved on the RTSP connection)
 * @param unicast       false only when {@code multicast} is given
 * @param interleaved   the two channels (RTP, RTCP), or null
 * @param clientPorts   the client's two UDP ports, or null
 * @param serverPorts   the server's two UDP ports, or null
 * @param ssrc          the server's SSRC when given (hex), as an unsigned 32-bit value
 * @param mode          {@code PLAY}, {@code RECORD}, or empty
 */
public record TransportHeader(String protocol, boolean tcp, boolean unicast, Pair interleaved, Pair clientPorts,
                              Pair serverPorts, OptionalLong ssrc, String mode) {

    /** Two numbers of a {@code a-b} range: RTP's channel or port, then RTCP's. */
    public record Pair(int rtp, int rtcp) {
    }

    /** The first transport specification of a header value ({@code a, b} lists alternatives). */
    public static TransportHeader parse(String value) {
        List<TransportHeader> all = parseAll(value);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("empty Transport header");
        }
        return all.get(0);
    }

    /** Every transport specification, in order. */
    public static List<TransportHeader> parseAll(String value) {
        List<TransportHeader> all = new ArrayList<>();
        for (String spec : value.split(",")) {
            if (!spec.isBlank()) {
                all.add(parseOne(spec));
            }
        }
        return all;
    }

    private static TransportHeader parseOne(String spec) {
        String protocol = null;
        boolean unicast = true;
        Pair interleaved = null;
        Pair clientPorts = null;
        Pair serverPorts = null;
        OptionalLong ssrc = OptionalLong.empty();
        String mode = "";
        for (String raw : spec.split(";")) {
            String part = raw.strip();
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = (eq < 0 ? part : part.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : part.substring(eq + 1).strip();
            if (eq < 0 && name.startsWith("rtp/")) {
                protocol = part.toUpperCase(Locale.ROOT);
                continue;
            }
            switch (name) {
                case "multicast" -> unicast = false;
                case "interleaved" -> interleaved = range(value, "interleaved");
                case "client_port" -> clientPorts = range(value, "client_port");
                case "server_port" -> serverPorts = range(value, "server_port");
                case "ssrc" -> ssrc = ssrc(value);
                case "mode" -> mode = value.replace("\"", "").strip().toUpperCase(Locale.ROOT);
                default -> {
                }
            }
        }
        if (protocol == null) {
            throw new IllegalArgumentException("Transport without RTP/AVP: " + spec.strip());
        }
        boolean tcp = protocol.endsWith("/TCP") || (interleaved != null && clientPorts == null);
        return new TransportHeader(protocol, tcp, unicast, interleaved, clientPorts, serverPorts, ssrc, mode);
    }

    /** {@code 0-1}, or a single {@code 0} meaning {@code 0-1}. */
    private static Pair range(String value, String name) {
        String[] ends = value.split("-");
        try {
            int first = Integer.parseInt(ends[0].strip());
            int second = ends.length > 1 ? Integer.parseInt(ends[1].strip()) : first + 1;
            return new Pair(first, second);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("Transport " + name + " is not a number or range: " + value);
        }
    }

    /** Hex per RFC 2326; cameras sometimes pad it with blanks. Unparseable means not given. */
    private static OptionalLong ssrc(String value) {
        String hex = value.replace(" ", "");
        try {
            long ssrc = Long.parseLong(hex, 16);
            return ssrc >= 0 && ssrc <= 0xFFFF_FFFFL ? OptionalLong.of(ssrc) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
