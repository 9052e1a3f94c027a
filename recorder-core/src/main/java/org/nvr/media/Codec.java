package org.nvr.media;

/**
 * The codecs a camera sends that the recorder knows by name. Names are FFmpeg's (what the index and
 * {@code cameras} already show), so footage recorded through any source reads the same.
 */
public enum Codec {
    H264("h264", true),
    H265("hevc", true),
    MJPEG("mjpeg", true),
    AAC("aac", false),
    PCMA("pcm_alaw", false),
    PCMU("pcm_mulaw", false),
    OPUS("opus", false);

    private final String ffmpegName;
    private final boolean video;

    Codec(String ffmpegName, boolean video) {
        this.ffmpegName = ffmpegName;
        this.video = video;
    }

    /** FFmpeg's name for it ({@code h264}, {@code hevc}, {@code pcm_alaw}). */
    public String ffmpegName() {
        return ffmpegName;
    }

    public boolean isVideo() {
        return video;
    }
}
