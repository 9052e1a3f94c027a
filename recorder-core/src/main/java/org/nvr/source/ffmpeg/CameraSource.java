package org.nvr.source.ffmpeg;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;

/**
 * One open connection to a camera: its demuxer context and a packet-at-a-time read. Packets are
 * compressed and never decoded.
 *
 * <p>Not thread-safe: the thread that opened a source reads it and closes it (FFmpeg cannot interrupt
 * a blocked read from another thread; a bound on every read comes from the stall timeout instead).
 */
public interface CameraSource extends AutoCloseable {

    /** The demuxer context; its streams describe codecs, time bases and extradata. */
    AVFormatContext context();

    /**
     * Reads the next packet into {@code pkt} (which the caller unrefs after use).
     *
     * @return 0, or a negative FFmpeg error: {@code AVERROR_EOF}, a socket timeout after the stall
     *         timeout, or another error
     */
    int read(AVPacket pkt);

    /** Idempotent. */
    @Override
    void close();
}
