package org.nvr.daemon;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.CameraSupervisor;
import org.nvr.camera.SessionResult;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.CameraConfig;
import org.nvr.config.Source;
import org.nvr.config.Transport;
import org.nvr.source.rtsp.RtspSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which source records one camera, attempt by attempt: the camera's configured {@code source:}, except
 * that a camera our RTSP client cannot record goes through FFmpeg, said once in the log: for good when it
 * sends a codec the client cannot receive (the attempt that found out goes on through FFmpeg at once),
 * and for an {@code rtsps://} URL (our client has no TLS; see {@link #rtspClientLacks}). Each attempt
 * runs over the transport the supervisor chose (TCP or UDP; it decides {@code auto} and a move after a
 * 461). {@link #describe()} says which source, for {@code nvr cameras}.
 *
 * <p>The supervisor's {@link CameraSupervisor.SessionFactory} for its camera: {@link #create} is called on
 * the supervisor's loop; {@link #describe()} from any thread. Owns nothing: the lane and the sources'
 * threads belong to the recorder.
 */
public final class CameraSources implements CameraSupervisor.SessionFactory {
    private static final Logger LOG = LoggerFactory.getLogger(CameraSources.class);

    private final CameraConfig camera;
    private final CameraSupervisor.SessionFactory ffmpeg;
    private final RtspSource rtsp;
    private final EventExecutor lane;
    private final StreamWarnings warnings;
    private final Published published;
    /** The codec that moved the camera to FFmpeg for good; null while it has not. */
    private volatile String fallback;
    private volatile boolean saidLacking;

    /**
     * @param ffmpeg the FFmpeg source's sessions (each on a thread of its own)
     * @param rtsp   what cameras recorded through the RTSP client share
     * @param lane   this camera's writer lane
     */
    public CameraSources(CameraConfig camera, CameraSupervisor.SessionFactory ffmpeg, RtspSource rtsp,
                         EventExecutor lane, StreamWarnings warnings) {
        this(camera, ffmpeg, rtsp, lane, warnings, (source, fallback) -> { });
    }

    /** @param published told the camera's source now and whenever it changes (for {@code nvr cameras}) */
    public CameraSources(CameraConfig camera, CameraSupervisor.SessionFactory ffmpeg, RtspSource rtsp,
                         EventExecutor lane, StreamWarnings warnings, Published published) {
        this.published = published;
        this.camera = camera;
        this.ffmpeg = ffmpeg;
        this.rtsp = rtsp;
        this.lane = lane;
        this.warnings = warnings;
        published.source(camera.source().label(), null);
    }

    /** Where a camera's source is shown: the index, for {@code nvr cameras} and the web. */
    @FunctionalInterface
    public interface Published {
        /**
         * @param source   {@code rtsp} or {@code ffmpeg}
         * @param fallback the codec that moved the camera to FFmpeg, or null
         */
        void source(String source, String fallback);
    }

    public CameraConfig camera() {
        return camera;
    }

    @Override
    public CameraSupervisor.Session create(CameraConfig cam, Transport transport, CameraObserver observer,
                                           BooleanSupplier stop) {
        if (camera.source() == Source.FFMPEG || fallback != null) {
            return ffmpeg.create(cam, transport, observer, stop);
        }
        if (rtspClientLacks(cam)) {
            if (!saidLacking) {
                saidLacking = true;
                LOG.info("{}: source rtsp: our RTSP client does not do rtsps:// yet; recording through FFmpeg",
                        camera.id());
            }
            return ffmpeg.create(cam, transport, observer, stop);
        }
        return new FallingBack(cam, transport, observer, stop);
    }

    /** Whether the camera needs what our RTSP client cannot do yet: RTSP over TLS ({@code rtsps://}). */
    static boolean rtspClientLacks(CameraConfig camera) {
        return !"rtsp".equalsIgnoreCase(camera.url().getScheme());
    }

    /** The source the camera is recorded through: {@code rtsp}, {@code ffmpeg}, {@code ffmpeg (fallback: mjpeg)}. */
    public String describe() {
        String codec = fallback;
        if (codec != null) {
            return "ffmpeg (fallback: " + codec + ")";
        }
        return camera.source().label();
    }

    /** The codec that moved the camera to FFmpeg, if one did. */
    public java.util.Optional<String> fallbackCodec() {
        return java.util.Optional.ofNullable(fallback);
    }

    private void fallBack(String codec) {
        if (fallback == null) {
            fallback = codec;
            LOG.warn("{}: the camera sends {}, which our RTSP client cannot receive; recording it through FFmpeg"
                    + " from now on", camera.id(), codec);
            published.source(Source.FFMPEG.label(), codec);
        }
    }

    /**
     * An attempt through the RTSP client that goes on through FFmpeg, in the same attempt, when the client
     * finds a codec it cannot receive: no failure is counted for what is not the camera's fault.
     */
    private final class FallingBack implements CameraSupervisor.Session {
        private final CameraConfig cam;
        private final Transport transport;
        private final CameraObserver observer;
        private final BooleanSupplier stop;
        private volatile CameraSupervisor.Session current;

        FallingBack(CameraConfig cam, Transport transport, CameraObserver observer, BooleanSupplier stop) {
            this.cam = cam;
            this.transport = transport;
            this.observer = observer;
            this.stop = stop;
        }

        @Override
        public CompletionStage<SessionResult> start() {
            CameraSupervisor.Session first = rtsp.session(cam, transport, lane, observer, warnings,
                    CameraSources.this::fallBack);
            current = first;
            return first.start().thenCompose(result -> {
                if (fallback == null || stop.getAsBoolean()) {
                    return CompletableFuture.completedFuture(result);
                }
                CameraSupervisor.Session second = ffmpeg.create(cam, transport, observer, stop);
                current = second;
                return second.start();
            });
        }

        @Override
        public void stop() {
            CameraSupervisor.Session running = current;
            if (running != null) {
                running.stop();
            }
        }
    }
}
