package org.nvr.rtsp;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.nvr.media.Codec;

/**
 * A camera's session description (RFC 8866) as an RTSP client needs it: the session-level control
 * attribute and one {@link MediaDescription} per media section it can use. Parsing is lenient the way
 * real cameras need (see {@code CAMERA-QUIRKS.md}): no {@code o=} line, attributes in any order,
 * trailing blanks, an empty {@code a=fmtp:96}, static payload types without {@code a=rtpmap}. A media
 * section that cannot be parsed is left out and named in {@link #skipped()}, never failing the rest.
 * Immutable; any thread.
 *
 * @param control the session-level {@code a=control}, empty when absent
 * @param media   the usable media sections, in SDP order
 * @param skipped one line per media section left out, saying why (for the log and {@code nvr probe})
 */
public record Sdp(String control, List<MediaDescription> media, List<String> skipped) {

    public Sdp {
        media = List.copyOf(media);
        skipped = List.copyOf(skipped);
    }

    /** Parses SDP text; never throws for content, only gives fewer media sections. */
    public static Sdp parse(String text) {
        String sessionControl = "";
        List<MediaDescription> media = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Section section = null;
        for (String rawLine : text.split("\r\n|\n|\r")) {
            String line = rawLine.strip();
            if (line.length() < 2 || line.charAt(1) != '=') {
                continue;
            }
            char type = line.charAt(0);
            String value = line.substring(2);
            if (type == 'm') {
                finish(section, media, skipped);
                section = new Section(value);
            } else if (type == 'a' && section == null) {
                if (value.startsWith("control:")) {
                    sessionControl = value.substring("control:".length()).strip();
                }
            } else if (type == 'a') {
                section.attribute(value);
            }
        }
        finish(section, media, skipped);
        return new Sdp(sessionControl, media, skipped);
    }

    private static void finish(Section section, List<MediaDescription> media, List<String> skipped) {
        if (section == null) {
            return;
        }
        try {
            media.add(section.describe());
        } catch (IllegalArgumentException e) {
            skipped.add("m=" + section.mediaLine + ": " + e.getMessage());
        }
    }

    /** The attributes of one media section, collected in any order, described at its end. */
    private static final class Section {
        final String mediaLine;
        final Map<Integer, String> rtpmaps = new HashMap<>();
        final Map<Integer, String> fmtps = new HashMap<>();
        String control = "";

        Section(String mediaLine) {
            this.mediaLine = mediaLine;
        }

        void attribute(String value) {
            int colon = value.indexOf(':');
            if (colon < 0) {
                return;
            }
            String name = value.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String rest = value.substring(colon + 1).strip();
            switch (name) {
                case "control" -> control = rest;
                case "rtpmap", "fmtp" -> {
                    String[] ptAndRest = rest.split("\\s+", 2);
                    try {
                        int pt = Integer.parseInt(ptAndRest[0]);
                        (name.equals("rtpmap") ? rtpmaps : fmtps).put(pt, ptAndRest.length > 1 ? ptAndRest[1].strip() : "");
                    } catch (NumberFormatException e) {
                        // a=rtpmap for a non-numeric format: not RTP, the m= line decides
                    }
                }
                default -> {
                }
            }
        }

        MediaDescription describe() {
            String[] fields = mediaLine.strip().split("\\s+");
            if (fields.length < 4) {
                throw new IllegalArgumentException("media line needs media, port, protocol and a format");
            }
            if (!fields[2].toUpperCase(Locale.ROOT).startsWith("RTP/")) {
                throw new IllegalArgumentException("protocol " + fields[2] + " is not RTP");
            }
            String media = fields[0].toLowerCase(Locale.ROOT);
            MediaDescription first = null;
            IllegalArgumentException firstError = null;
            for (int f = 3; f < fields.length; f++) {
                try {
                    MediaDescription d = describe(media, payloadType(fields[f]));
                    if (d.codec().isPresent()) {
                        return d; // the first format the recorder knows, when a section lists several
                    }
                    first = first == null ? d : first;
                } catch (IllegalArgumentException e) {
                    firstError = firstError == null ? e : firstError;
                }
            }
            if (first == null) {
                throw firstError;
            }
            return first;
        }

        private static int payloadType(String format) {
            int payloadType;
            try {
                payloadType = Integer.parseInt(format);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("format " + format + " is not an RTP payload type");
            }
            if (payloadType < 0 || payloadType > 127) {
                throw new IllegalArgumentException("payload type " + payloadType + " out of range");
            }
            return payloadType;
        }

        private MediaDescription describe(String media, int payloadType) {
            Map<String, String> fmtp = fmtpParameters(fmtps.getOrDefault(payloadType, ""));
            String rtpmap = rtpmaps.get(payloadType);
            String encoding;
            int clockRate;
            int channels;
            if (rtpmap != null) {
                String[] parts = rtpmap.split("/");
                encoding = parts[0].strip();
                clockRate = parts.length > 1 ? number(parts[1], "clock rate") : 0;
                channels = parts.length > 2 ? number(parts[2], "channels") : 1;
            } else {
                StaticPayload known = StaticPayload.of(payloadType);
                if (known == null) {
                    // dynamic payload type without rtpmap: describable, not usable as a track
                    return new MediaDescription(media, payloadType, "", Optional.empty(), 0, 0, fmtp, control);
                }
                encoding = known.name;
                clockRate = known.clockRate;
                channels = known.channels;
            }
            Optional<Codec> codec = codec(media, encoding, fmtp);
            if (codec.isPresent() && codec.get().isVideo()) {
                channels = 0;
            }
            return new MediaDescription(media, payloadType, encoding, codec, clockRate, channels, fmtp, control);
        }

        private static int number(String text, String what) {
            try {
                return Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("rtpmap " + what + " '" + text.strip() + "' is not a number");
            }
        }
    }

    /** {@code key=value; key=value}: keys lower-cased, values stripped; a bare key maps to "". */
    static Map<String, String> fmtpParameters(String text) {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String part : text.split(";")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            parameters.put(key, eq < 0 ? "" : p.substring(eq + 1).strip());
        }
        return parameters;
    }

    /** The recorder's codec for an rtpmap encoding name; empty for payloads it does not know. */
    static Optional<Codec> codec(String media, String encoding, Map<String, String> fmtp) {
        Codec codec = switch (encoding.toUpperCase(Locale.ROOT)) {
            case "H264" -> Codec.H264;
            case "H265", "HEVC" -> Codec.H265;
            case "JPEG" -> Codec.MJPEG;
            case "PCMA" -> Codec.PCMA;
            case "PCMU" -> Codec.PCMU;
            case "OPUS" -> Codec.OPUS;
            case "MP4A-LATM" -> Codec.AAC;
            // RFC 3640 also carries MPEG-4 video and CELP: only the AAC modes are AAC.
            case "MPEG4-GENERIC" -> fmtp.getOrDefault("mode", "").toUpperCase(Locale.ROOT).startsWith("AAC")
                    || (media.equals("audio") && !fmtp.containsKey("mode")) ? Codec.AAC : null;
            default -> null;
        };
        return Optional.ofNullable(codec);
    }

    /** The RFC 3551 static payload types cameras send without an rtpmap. */
    private enum StaticPayload {
        PCMU_0(0, "PCMU", 8000, 1),
        PCMA_8(8, "PCMA", 8000, 1),
        JPEG_26(26, "JPEG", 90000, 0);

        final int payloadType;
        final String name;
        final int clockRate;
        final int channels;

        StaticPayload(int payloadType, String name, int clockRate, int channels) {
            this.payloadType = payloadType;
            this.name = name;
            this.clockRate = clockRate;
            this.channels = channels;
        }

        static StaticPayload of(int payloadType) {
            for (StaticPayload p : values()) {
                if (p.payloadType == payloadType) {
                    return p;
                }
            }
            return null;
        }
    }
}
