package org.nvr.media;

import java.util.Set;

/**
 * Which recorded video codecs web browsers can play from an MP4. The recorder copies what the camera
 * sends without re-encoding, so a camera sending anything else (Motion JPEG from older cameras, MPEG-4
 * Part 2) is recorded as it is, and its footage opens in VLC or ffplay but not in a browser. Stateless.
 */
public final class BrowserCodecs {
    /** FFmpeg codec names of the video that browsers' MP4 players decode. */
    private static final Set<String> PLAYABLE = Set.of("h264", "hevc", "av1", "vp9");

    private BrowserCodecs() {
    }

    /** {@code codec} as FFmpeg names it ({@code h264}, {@code mjpeg}); null (unknown) counts as playable. */
    public static boolean playable(String codec) {
        return codec == null || PLAYABLE.contains(codec);
    }

    /** What to tell an operator about footage in {@code codec}, or null when browsers play it. */
    public static String warning(String codec) {
        return playable(codec) ? null
                : "video is " + codec + ": recorded as the camera sends it; browsers cannot play it (VLC and ffplay can)";
    }
}
