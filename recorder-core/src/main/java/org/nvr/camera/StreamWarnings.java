package org.nvr.camera;

import java.util.concurrent.atomic.AtomicBoolean;
import org.nvr.media.BrowserCodecs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says once per camera (not once per reconnect) what of its stream is not recorded, and why: its
 * audio, when MP4 cannot hold it; and that its video, though recorded, is in a codec browsers cannot
 * play. Thread-safe.
 */
public final class StreamWarnings {
    private static final Logger LOG = LoggerFactory.getLogger(StreamWarnings.class);
    private final AtomicBoolean warned = new AtomicBoolean();
    private final AtomicBoolean warnedVideo = new AtomicBoolean();

    public void dropped(String camera, String codec, String why) {
        if (warned.compareAndSet(false, true)) {
            LOG.warn("{}: audio ({}) is not recorded: {}; video is recorded as usual", camera, codec, why);
        }
    }

    public void videoNotPlayableInBrowsers(String camera, String codec) {
        if (warnedVideo.compareAndSet(false, true)) {
            LOG.warn("{}: {}; set the camera to send H.264 or H.265 for footage that plays everywhere",
                    camera, BrowserCodecs.warning(codec));
        }
    }
}
