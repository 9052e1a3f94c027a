package org.nvr.rtp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The camera's wall clock as its latest RTCP sender report of one track (the video track) tells it:
 * maps the track's extended RTP timestamps to camera time, and says how far the camera's clock is from
 * ours. Nothing here changes footage time, which stays our own clock.
 *
 * <p>The offset is the sender report's NTP time minus our clock (the injected {@link Clock}) when the
 * report was read: positive when the camera is ahead. It includes the report's one-way trip from the
 * camera (milliseconds on a LAN, so the camera looks that much behind), not the encoder's latency, which
 * an offset taken from frames would. Years are fine: a camera set to 1970 or 2040 gives an offset of
 * decades, held in a {@link Duration} without overflow.
 *
 * <p>Not thread-safe: one per session, on its event loop; the session publishes the offset to other
 * threads.
 */
public final class CameraClock {

    private final Clock ours;
    private final int clockRate;
    private Instant reportCameraTime;
    private long reportRtpTimestamp;
    private Instant reportReceived;

    /**
     * @param ours      our wall clock, read when a report arrives
     * @param clockRate the track's RTP clock rate (90000 for video)
     */
    public CameraClock(Clock ours, int clockRate) {
        if (clockRate <= 0) {
            throw new IllegalArgumentException("clock rate must be positive: " + clockRate);
        }
        this.ours = Objects.requireNonNull(ours, "ours");
        this.clockRate = clockRate;
    }

    /**
     * Takes a sender report of the track, read now.
     *
     * @param extendedRtpTimestamp the report's RTP timestamp extended like the track's frames' (see
     *                             {@link RtpTrackReceiver#extendForReport})
     */
    public void senderReport(SenderReport report, long extendedRtpTimestamp) {
        reportReceived = ours.instant();
        reportCameraTime = report.ntpTime();
        reportRtpTimestamp = extendedRtpTimestamp;
    }

    /** The camera's wall-clock time of an extended RTP timestamp of the track, once a report arrived. */
    public Optional<Instant> cameraTime(long extendedRtpTimestamp) {
        if (reportCameraTime == null) {
            return Optional.empty();
        }
        long ticks = extendedRtpTimestamp - reportRtpTimestamp;
        long seconds = Math.floorDiv(ticks, clockRate);
        long nanos = Math.floorMod(ticks, clockRate) * 1_000_000_000L / clockRate; // < 2^61: the rate is an int
        return Optional.of(reportCameraTime.plusSeconds(seconds).plusNanos(nanos));
    }

    /** Camera time minus our time at the latest report (positive: the camera is ahead); empty before one. */
    public Optional<Duration> offset() {
        return reportCameraTime == null ? Optional.empty() : Optional.of(Duration.between(reportReceived, reportCameraTime));
    }
}
