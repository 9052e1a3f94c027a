package org.nvr.testing;

import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.nvr.camera.SourceException;
import org.nvr.config.CameraConfig;
import org.nvr.config.Transport;
import org.nvr.source.ffmpeg.CameraOpener;
import org.nvr.source.ffmpeg.CameraSource;

/**
 * Opens cameras with a real opener, but a camera's read blocks, like a native call FFmpeg never
 * returns from, once {@code hangNow} says so for its id: it ignores interrupts and the session's stop
 * flag, and only {@link #release()} lets it go. The stand-in for a hung camera thread in liveness tests.
 *
 * <p>Thread-safe; each source is used by its camera's thread only.
 */
public final class HangingOpener implements CameraOpener {
    private final CameraOpener real;
    private final Predicate<String> hangNow;
    private final CountDownLatch released = new CountDownLatch(1);

    public HangingOpener(CameraOpener real, Predicate<String> hangNow) {
        this.real = real;
        this.hangNow = hangNow;
    }

    @Override
    public CameraSource open(CameraConfig camera, Transport transport) throws SourceException, InterruptedException {
        CameraSource source = real.open(camera, transport);
        return new CameraSource() {
            @Override
            public AVFormatContext context() {
                return source.context();
            }

            @Override
            public int read(AVPacket pkt) {
                if (hangNow.test(camera.id())) {
                    blockUntilReleased();
                }
                return source.read(pkt);
            }

            @Override
            public void close() {
                source.close();
            }
        };
    }

    /** Lets every blocked read return. */
    public void release() {
        released.countDown();
    }

    private void blockUntilReleased() {
        boolean interrupted = false;
        while (true) {
            try {
                released.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // a native call does not notice interrupts either
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
