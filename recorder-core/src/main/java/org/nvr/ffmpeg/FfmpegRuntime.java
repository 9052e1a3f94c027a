package org.nvr.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.setLogCallback;

import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.nvr.config.KnownSecrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide FFmpeg set-up, done once before the first grabber or muxer: loads the natives, lowers
 * FFmpeg's log level to errors and routes its log through SLF4J with every URL's credentials and every
 * known camera password removed (FFmpeg prints whole URLs, user info included; see {@link KnownSecrets}).
 *
 * <p>Thread-safe; {@link #init()} is idempotent and cheap after the first call.
 */
public final class FfmpegRuntime {
    private static final Logger FFMPEG_LOG = LoggerFactory.getLogger("ffmpeg");
    private static final RedactingLogCallback CALLBACK = new RedactingLogCallback();
    private static volatile boolean initialised;

    private FfmpegRuntime() {
    }

    public static void init() {
        if (initialised) {
            return;
        }
        synchronized (FfmpegRuntime.class) {
            if (initialised) {
                return;
            }
            if (System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null) {
                // Native packet buffers are not Java heap; JavaCPP's default limit would make it call
                // System.gc() in a loop on a busy recorder. Bounded by our own unref discipline instead.
                System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
            }
            Loader.load(avformat.class);
            av_log_set_level(AV_LOG_ERROR);
            setLogCallback(CALLBACK);
            avformat.avformat_network_init();
            initialised = true;
        }
    }

    /**
     * Gives the C heap's free pages back to the kernel (glibc's {@code malloc_trim(0)}), for the
     * recorder to call every few seconds.
     *
     * <p>Why: FFmpeg allocates and frees packets, fragment buffers and (while probing a stream) decoded
     * pictures on every camera thread, and glibc serves each thread from its own arena. Once a picture
     * of several megabytes has been freed, glibc raises its mmap threshold to that size, so later
     * buffers of up to that size come from the arenas, which keep their freed pages resident: about
     * 6 MB per camera that nothing uses. Trimming returns them; the pages FFmpeg reuses are faulted in
     * again (about 1 MB/s for 16 cameras). Setting {@code MALLOC_MMAP_THRESHOLD_} in the environment
     * has the same effect for a whole process, where the launcher can set it.
     *
     * <p>Any thread; takes each arena's lock in turn for a moment.
     *
     * @return whether memory was released
     */
    public static boolean trimNativeHeap() {
        return Pointer.trimMemory();
    }

    /** Holds a strong reference to the native callback so it is never collected. */
    private static final class RedactingLogCallback extends LogCallback {
        @Override
        public void call(int level, BytePointer msg) {
            String line = msg.getString().strip();
            if (line.isEmpty()) {
                return;
            }
            line = KnownSecrets.redact(line);
            // FFmpeg's errors repeat on every retry of a dead camera; the session layer classifies and
            // logs each failure once per change of state, so FFmpeg's own lines stay at debug.
            if (level <= AV_LOG_FATAL) {
                FFMPEG_LOG.warn("{}", line);
            } else {
                FFMPEG_LOG.debug("{}", line);
            }
        }
    }
}
