package org.nvr.media;

import java.time.Instant;
import java.util.Objects;

/**
 * The camera's own wall clock at one timestamp of one track, as an RTCP sender report says it (RFC 3550
 * section 6.4.1): with one for each track, tracks whose timestamps start at unrelated random values can be
 * placed against each other as the camera captured them, whatever the network did to their packets. The
 * camera's clock may be years off ours; only differences between its times are meaningful here.
 * Immutable; any thread.
 *
 * @param track      the track's index ({@link Track#index()})
 * @param ticks      a timestamp in the numbering of the track's frames' {@code pts} (RTP, extended)
 * @param clockRate  the ticks per second of {@code ticks} (the track's RTP clock rate)
 * @param cameraTime the camera's wall clock at {@code ticks}
 */
public record CameraTime(int track, long ticks, int clockRate, Instant cameraTime) {
    public CameraTime {
        Objects.requireNonNull(cameraTime, "cameraTime");
        if (clockRate <= 0) {
            throw new IllegalArgumentException("clock rate must be positive: " + clockRate);
        }
    }

    /**
     * The camera's time, in microseconds since 1970, of the track's timestamp {@code at} counted in
     * {@code rate} ticks per second: the track's frames' clock, which is {@link #clockRate} unless the
     * frames were resampled on the same timeline (G.711 transcoded to AAC).
     */
    public long micros(long at, int rate) {
        double seconds = at / (double) rate - ticks / (double) clockRate;
        return cameraTime.getEpochSecond() * 1_000_000 + cameraTime.getNano() / 1000 + Math.round(seconds * 1e6);
    }
}
