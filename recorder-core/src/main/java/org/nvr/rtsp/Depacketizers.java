package org.nvr.rtsp;

import java.util.Optional;
import org.nvr.media.Track;
import org.nvr.rtp.AacDepacketizer;
import org.nvr.rtp.Depacketizer;
import org.nvr.rtp.G711Depacketizer;
import org.nvr.rtp.H264Depacketizer;
import org.nvr.rtp.H265Depacketizer;

/**
 * The depacketizer for a media section, when the client has one: H.264, H.265, AAC with
 * {@code mpeg4-generic} AU headers, G.711. MJPEG, Opus and AAC-LATM have none yet. Stateless; any thread.
 */
public final class Depacketizers {

    private Depacketizers() {
    }

    /** Whether the client can receive {@code media}: its codec is known and has a depacketizer. */
    public static boolean canReceive(MediaDescription media) {
        return media.codec().isPresent() && media.clockRate() > 0
                && forMedia(media, media.toTrack(0)).isPresent();
    }

    static Optional<Depacketizer> forMedia(MediaDescription media, Track track) {
        return switch (track.codec()) {
            case H264 -> Optional.of(new H264Depacketizer(track));
            case H265 -> Optional.of(new H265Depacketizer(track));
            case AAC -> media.isLatm() ? Optional.empty() : Optional.of(new AacDepacketizer(track,
                    media.fmtpInt("sizelength").orElse(13), media.fmtpInt("indexlength").orElse(3),
                    media.fmtpInt("indexdeltalength").orElse(3)));
            case PCMA, PCMU -> Optional.of(new G711Depacketizer(track));
            case MJPEG, OPUS -> Optional.empty();
        };
    }
}
