package org.nvr.rtsp;

import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.nvr.media.Codec;
import org.nvr.media.Track;

/**
 * One usable media section ({@code m=}) of a camera's SDP, reduced to what a client needs to set it up
 * and depacketize it: the payload type it will receive, what the payload is, and the section's control
 * attribute. Immutable; any thread.
 *
 * @param media        {@code video}, {@code audio}, {@code application}...
 * @param payloadType  the RTP payload type to expect: the first one the section lists that the recorder
 *                     knows, else the first
 * @param encodingName the {@code a=rtpmap} encoding as sent ({@code H264}, {@code mpeg4-generic}), or
 *                     the static name for payload types 0, 8 and 26 without rtpmap; empty when unknown
 * @param codec        what the recorder calls the payload, empty when it does not know it
 * @param clockRate    RTP timestamp units per second; 0 when the SDP does not say
 * @param channels     audio channels (1 when the rtpmap does not say), 0 for video
 * @param fmtp         {@code a=fmtp} parameters, keys lower-cased, values as sent
 * @param control      the section's {@code a=control}, empty when absent (see {@link ControlUrls})
 */
public record MediaDescription(String media, int payloadType, String encodingName, Optional<Codec> codec,
                               int clockRate, int channels, Map<String, String> fmtp, String control) {

    public MediaDescription {
        fmtp = Map.copyOf(fmtp);
    }

    /** An fmtp parameter as an integer ({@code sizelength=13}); empty when absent or not a number. */
    public OptionalInt fmtpInt(String name) {
        String value = fmtp.get(name.toLowerCase(Locale.ROOT));
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** Whether the payload is AAC in LATM ({@code MP4A-LATM}) rather than RFC 3640 AU headers. */
    public boolean isLatm() {
        return encodingName.equalsIgnoreCase("MP4A-LATM");
    }

    /**
     * The track this section carries, with out-of-band parameter sets decoded (H.264
     * {@code sprop-parameter-sets}, H.265 {@code sprop-vps/sps/pps}; empty when missing or unreadable,
     * so the depacketizer waits for in-band ones) and the AAC AudioSpecificConfig from {@code config}.
     *
     * @throws IllegalStateException when the codec is unknown or the section has no clock rate
     */
    public Track toTrack(int index) {
        Codec known = codec.orElseThrow(() -> new IllegalStateException(
                "no track for payload type " + payloadType + " (" + (encodingName.isEmpty() ? "unknown" : encodingName) + ")"));
        if (clockRate <= 0) {
            throw new IllegalStateException("payload type " + payloadType + " has no clock rate");
        }
        return switch (known) {
            case H264 -> Track.video(index, known, clockRate, ParameterSetText.h264(fmtp.get("sprop-parameter-sets")));
            case H265 -> Track.video(index, known, clockRate, ParameterSetText.h265(
                    fmtp.get("sprop-vps"), fmtp.get("sprop-sps"), fmtp.get("sprop-pps")));
            case MJPEG -> Track.video(index, known, clockRate, List.of());
            case AAC -> Track.audio(index, known, clockRate, aacConfig(), clockRate, channels);
            case PCMA, PCMU, OPUS -> Track.audio(index, known, clockRate, null, clockRate, channels);
        };
    }

    private byte[] aacConfig() {
        String config = fmtp.get("config");
        if (config == null || config.isBlank()) {
            return null;
        }
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(config.trim());
        } catch (IllegalArgumentException e) {
            return null; // odd-length or non-hex: the depacketizer has to do without
        }
        return isLatm() ? LatmConfig.audioSpecificConfig(bytes) : bytes;
    }

    /** Base64 with or without padding, standard or URL alphabet; null when it is neither. */
    static byte[] base64(String text) {
        String t = text.trim();
        try {
            return Base64.getDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            try {
                return Base64.getUrlDecoder().decode(t);
            } catch (IllegalArgumentException e2) {
                return null;
            }
        }
    }
}
