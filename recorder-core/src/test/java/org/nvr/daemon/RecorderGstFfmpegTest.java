package org.nvr.daemon;

import org.nvr.config.Source;

/**
 * {@link RecorderGstTest} with every camera set to {@code source: ffmpeg}: the same footage, checked the
 * same way, from the FFmpeg source a camera can still be configured to use.
 */
class RecorderGstFfmpegTest extends RecorderGstTest {
    @Override
    Source source() {
        return Source.FFMPEG;
    }
}
