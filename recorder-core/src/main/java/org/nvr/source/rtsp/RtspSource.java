package org.nvr.source.rtsp;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.function.Consumer;
import java.util.function.Function;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.CameraConfig;
import org.nvr.config.Transport;
import org.nvr.media.FrameSink;
import org.nvr.rtsp.RtspSessionOptions;

/**
 * What every camera recorded through our RTSP client shares: the Netty event loop group the
 * connections run on, the options of a session, how frames are recorded and shown live, and the
 * per-camera bound of bytes waiting for the writer lane. Immutable; any thread. The recorder owns the
 * group and the lanes; this only uses them.
 *
 * @param group     the camera connections' event loops ({@link org.nvr.rtsp.RtspTransports#newGroup})
 * @param options   session bounds; each camera's stall timeout replaces the stall timeout here
 * @param recorders the recorder of each session's frames
 * @param live      each camera's live fan-out
 * @param highWater bytes queued for a camera's lane above which its connection is no longer read
 * @param lowWater  bytes queued below which reading resumes
 */
public record RtspSource(EventLoopGroup group, RtspSessionOptions options, FrameRecorderFactory recorders,
                         Function<CameraConfig, FrameSink> live, long highWater, long lowWater) {

    /** A camera's backlog that stops reading it: several seconds of a 4 Mbit/s main stream. */
    public static final long DEFAULT_HIGH_WATER = 4L << 20;
    public static final long DEFAULT_LOW_WATER = 1L << 20;

    public RtspSource {
        if (lowWater <= 0 || highWater <= lowWater) {
            throw new IllegalArgumentException("need 0 < low water < high water: " + lowWater + ", " + highWater);
        }
    }

    public RtspSource(EventLoopGroup group, RtspSessionOptions options, FrameRecorderFactory recorders,
                      Function<CameraConfig, FrameSink> live) {
        this(group, options, recorders, live, DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER);
    }

    /**
     * One attempt of {@code camera} over TCP, writing on {@code lane}.
     *
     * @param unsupported told the codec when the camera sends one the client cannot receive (the
     *                    session then ends, to be recorded through FFmpeg)
     */
    public RtspCameraSession session(CameraConfig camera, EventExecutor lane, CameraObserver observer,
                                     StreamWarnings warnings, Consumer<String> unsupported) {
        return session(camera, Transport.TCP, lane, observer, warnings, unsupported);
    }

    /**
     * One attempt of {@code camera} over {@code transport} ({@code tcp} or {@code udp}: the supervisor
     * decides {@code auto}), writing on {@code lane}.
     *
     * @param unsupported told the codec when the camera sends one the client cannot receive (the
     *                    session then ends, to be recorded through FFmpeg)
     */
    public RtspCameraSession session(CameraConfig camera, Transport transport, EventExecutor lane,
                                     CameraObserver observer, StreamWarnings warnings, Consumer<String> unsupported) {
        return new RtspCameraSession(camera, this, options.withStallTimeout(camera.stallTimeout())
                .withTransport(transport), lane, observer, warnings, unsupported);
    }
}
