package org.nvr.media;

import java.util.List;
import java.util.Objects;

/**
 * One elementary stream of a camera as the recorder needs it to write and show it, independent of the
 * library that received it: the codec, the clock its timestamps count in, and what a decoder needs
 * before the first frame. Immutable; a camera that changes its parameter sets mid-stream gets a new
 * {@code Track} (and a new segment).
 *
 * @param index          the track's position in the session (0 = first media section set up)
 * @param codec          what the bytes are
 * @param clockRate      timestamp units per second (90000 for RTP video, the sample rate for audio)
 * @param parameterSets  H.264: SPS then PPS; H.265: VPS, SPS, PPS (each a NAL unit without start code
 *                       or length); empty for other codecs or when the camera sends them only in-band
 * @param decoderConfig  AAC: the AudioSpecificConfig; empty for other codecs
 * @param sampleRate     audio samples per second, 0 for video
 * @param channels       audio channels, 0 for video
 */
public record Track(int index, Codec codec, int clockRate, List<byte[]> parameterSets, byte[] decoderConfig,
                    int sampleRate, int channels) {
    public Track {
        Objects.requireNonNull(codec, "codec");
        if (clockRate <= 0) {
            throw new IllegalArgumentException("clock rate must be positive: " + clockRate);
        }
        parameterSets = List.copyOf(parameterSets);
        decoderConfig = decoderConfig == null ? new byte[0] : decoderConfig.clone();
    }

    public static Track video(int index, Codec codec, int clockRate, List<byte[]> parameterSets) {
        return new Track(index, codec, clockRate, parameterSets, null, 0, 0);
    }

    public static Track audio(int index, Codec codec, int clockRate, byte[] decoderConfig, int sampleRate,
                              int channels) {
        return new Track(index, codec, clockRate, List.of(), decoderConfig, sampleRate, channels);
    }

    @Override
    public byte[] decoderConfig() {
        return decoderConfig.clone();
    }

    /** Whether two lists of parameter sets hold the same NAL units in the same order. */
    public static boolean sameParameterSets(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!java.util.Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
