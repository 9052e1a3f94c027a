package org.nvr.source.rtsp;

import java.util.Optional;
import org.nvr.config.AudioPolicy;
import org.nvr.rtsp.Depacketizers;
import org.nvr.rtsp.MediaDescription;
import org.nvr.rtsp.Sdp;

/**
 * Whether a camera sends something our RTSP client cannot receive but FFmpeg records (MJPEG, Opus,
 * AAC-LATM, a video codec it does not know): such a camera is recorded through FFmpeg instead, so
 * nothing FFmpeg records stops being recorded. Sections that are not audio or video (ONVIF metadata,
 * backchannels) and audio the camera's policy drops anyway do not count. Stateless; any thread.
 */
final class UnsupportedCodecs {

    private UnsupportedCodecs() {
    }

    /** The first media section of {@code sdpText} the client cannot receive, by encoding name; empty if none. */
    static Optional<String> find(String sdpText, AudioPolicy audio) {
        if (sdpText == null || sdpText.isBlank()) {
            return Optional.empty();
        }
        Sdp sdp;
        try {
            sdp = Sdp.parse(sdpText);
        } catch (RuntimeException e) {
            return Optional.empty(); // the session has said what is wrong with it
        }
        for (MediaDescription media : sdp.media()) {
            boolean video = media.media().equalsIgnoreCase("video");
            boolean wantedAudio = media.media().equalsIgnoreCase("audio") && audio != AudioPolicy.DROP
                    && media.codec().isPresent();
            if ((video || wantedAudio) && !Depacketizers.canReceive(media)) {
                return Optional.of(name(media));
            }
        }
        return Optional.empty();
    }

    private static String name(MediaDescription media) {
        if (media.isLatm()) {
            return "aac-latm";
        }
        return media.codec().map(c -> c.ffmpegName())
                .orElse(media.encodingName().isEmpty() ? "payload " + media.payloadType() : media.encodingName());
    }
}
