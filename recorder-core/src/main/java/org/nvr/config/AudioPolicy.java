package org.nvr.config;

/**
 * What to do with camera audio. AAC is always copied; the policy decides the rest (G.711 and other
 * codecs the MP4 muxer rejects). Video is never lost because of audio.
 */
public enum AudioPolicy {
    /**
     * Copy AAC; transcode G.711 (and any other audio FFmpeg can decode but MP4 cannot hold) to AAC;
     * drop the rest with one warning.
     */
    TRANSCODE,
    /** Copy AAC, drop anything else with one warning. */
    COPY_OR_DROP,
    /** Record video only. */
    DROP
}
