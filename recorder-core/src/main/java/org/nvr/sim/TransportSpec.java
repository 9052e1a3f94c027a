package org.nvr.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * One alternative from an RTSP {@code Transport} request header (RFC 2326 section 12.39), reduced
 * to what the simulator can serve: RTP over the RTSP connection or unicast RTP over UDP.
 *
 * @param tcp         {@code RTP/AVP/TCP}
 * @param multicast   the client asked for multicast, which the simulator does not offer
 * @param firstPort   interleaved channel (TCP) or client RTP port (UDP); -1 if absent
 * @param secondPort  interleaved RTCP channel or client RTCP port; -1 if absent
 */
record TransportSpec(boolean tcp, boolean multicast, int firstPort, int secondPort) {

    /** Parses every comma-separated alternative whose profile is RTP/AVP; others are left out. */
    static List<TransportSpec> parse(String header) {
        List<TransportSpec> specs = new ArrayList<>();
        if (header == null) {
            return specs;
        }
        for (String alternative : header.split(",")) {
            String[] parts = alternative.trim().split(";");
            String protocol = parts[0].trim().toUpperCase();
            boolean tcp;
            if (protocol.equals("RTP/AVP/TCP")) {
                tcp = true;
            } else if (protocol.equals("RTP/AVP") || protocol.equals("RTP/AVP/UDP")) {
                tcp = false;
            } else {
                continue;
            }
            boolean multicast = false;
            int[] range = {-1, -1};
            for (int i = 1; i < parts.length; i++) {
                String part = parts[i].trim();
                String lower = part.toLowerCase();
                if (lower.equals("multicast")) {
                    multicast = true;
                } else if (tcp && lower.startsWith("interleaved=")) {
                    range = parseRange(part.substring("interleaved=".length()));
                } else if (!tcp && lower.startsWith("client_port=")) {
                    range = parseRange(part.substring("client_port=".length()));
                }
            }
            specs.add(new TransportSpec(tcp, multicast, range[0], range[1]));
        }
        return specs;
    }

    private static int[] parseRange(String text) {
        try {
            int dash = text.indexOf('-');
            if (dash < 0) {
                int first = Integer.parseInt(text.trim());
                return new int[] {first, first + 1};
            }
            return new int[] {Integer.parseInt(text.substring(0, dash).trim()),
                Integer.parseInt(text.substring(dash + 1).trim())};
        } catch (NumberFormatException e) {
            return new int[] {-1, -1};
        }
    }
}
