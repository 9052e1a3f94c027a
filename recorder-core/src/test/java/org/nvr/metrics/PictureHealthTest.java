package org.nvr.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Picture health from fixed picture timestamps and sizes: no clock, no camera. */
class PictureHealthTest {
    private static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    private final PictureHealth health = new PictureHealth();

    /**
     * Feeds {@code seconds} of a stream and returns the time of the next picture.
     *
     * @param gop      pictures from one keyframe to the next; 0 = no keyframe at all
     * @param keyBytes size of a keyframe; {@code pBytes} of any other picture
     */
    private Instant stream(Instant from, double fps, double seconds, int gop, int keyBytes, int pBytes) {
        long pictures = Math.round(fps * seconds);
        long stepNanos = Math.round(1e9 / fps);
        for (long i = 0; i < pictures; i++) {
            boolean key = gop > 0 && i % gop == 0;
            health.frame(from.plusNanos(i * stepNanos), key ? keyBytes : pBytes, key);
        }
        return from.plusNanos(pictures * stepNanos);
    }

    @Test
    void measuresA25FpsCameraWithOneSecondGops() {
        stream(T0, 25, 31, 25, 20_000, 2_000);
        assertEquals(25.0, health.framesPerSecond(), 0.01);
        // one GOP per second: 20 000 + 24 × 2 000 bytes
        assertEquals(68_000.0, health.bytesPerSecond(), 1.0);
        assertEquals(1.0, health.keyframeIntervalSeconds(), 0.001);
        assertEquals(68_000.0, health.referenceBytesPerSecond(), 1.0);
        assertFalse(health.noKeyframes());
        assertFalse(health.bitrateCollapsed());
    }

    @Test
    void aOneFpsCameraWithA50sGopIsNeitherUnstableNorSuspect() {
        Instant t = T0;
        for (int minute = 0; minute < 10; minute++) {
            t = stream(t, 1, 50, 50, 40_000, 500);
            assertFalse(health.noKeyframes(), "minute " + minute);
            assertFalse(health.bitrateCollapsed(), "minute " + minute);
        }
        assertEquals(1.0, health.framesPerSecond(), 0.001);
        assertEquals(50.0, health.keyframeIntervalSeconds(), 0.001);
        // each window is one whole GOP: the rate does not swing with where the keyframes fall
        assertEquals((40_000 + 49 * 500) / 50.0, health.bytesPerSecond(), 0.01);
    }

    @Test
    void everyPictureAKeyframeAtOneFps() {
        stream(T0, 1, 25, 1, 30_000, 0);
        assertEquals(1.0, health.framesPerSecond(), 0.001);
        assertEquals(1.0, health.keyframeIntervalSeconds(), 0.001);
        assertEquals(30_000.0, health.bytesPerSecond(), 0.01);
    }

    @Test
    void keyframesThatStopAreFlaggedAfterAMinuteWhileRatesGoOn() {
        Instant t = stream(T0, 25, 30, 25, 20_000, 2_000);
        t = stream(t, 25, 59, 0, 0, 2_000);
        assertFalse(health.noKeyframes(), "59 s without a keyframe: not yet");
        double interval = health.keyframeIntervalSeconds();
        assertTrue(interval > 58 && interval < 60, "climbs while missing: " + interval);
        stream(t, 25, 30, 0, 0, 2_000);
        assertTrue(health.noKeyframes());
        assertTrue(health.keyframeIntervalSeconds() > 88);
        assertEquals(25.0, health.framesPerSecond(), 0.01, "windows still close without keyframes");
        assertEquals(50_000.0, health.bytesPerSecond(), 1.0);
    }

    @Test
    void aKeyframeEndsTheFlag() {
        Instant t = stream(T0, 25, 30, 25, 20_000, 2_000);
        t = stream(t, 25, 70, 0, 0, 2_000);
        assertTrue(health.noKeyframes());
        stream(t, 25, 2, 25, 20_000, 2_000);
        assertFalse(health.noKeyframes());
    }

    @Test
    void aCollapsedBitrateIsFlaggedAndStaysFlagged() {
        Instant t = stream(T0, 25, 120, 25, 20_000, 5_000);
        double normal = health.bytesPerSecond();
        // lens covered: a static grey picture, tiny pictures, still one keyframe a second
        t = stream(t, 25, 40, 25, 3_000, 100);
        assertTrue(health.bitrateCollapsed());
        assertEquals(25.0, health.framesPerSecond(), 0.01, "the camera is up and sends pictures");
        t = stream(t, 25, 3 * 3600, 25, 3_000, 100);
        assertTrue(health.bitrateCollapsed(), "still covered after 3 h");
        assertTrue(health.referenceBytesPerSecond() > 0.6 * normal, "the reference hardly follows a collapse");
        stream(t, 25, 20, 25, 20_000, 5_000);
        assertFalse(health.bitrateCollapsed(), "uncovered");
    }

    @Test
    void nightTimeDropsAreNotACollapse() {
        Instant t = stream(T0, 25, 120, 25, 20_000, 5_000);
        stream(t, 25, 2 * 3600, 25, 10_000, 1_800);
        assertFalse(health.bitrateCollapsed());
    }

    @Test
    void aPermanentChangeOfBitrateClearsWithinADay() {
        Instant t = stream(T0, 25, 120, 25, 20_000, 5_000);
        t = stream(t, 25, 60, 25, 3_000, 700);
        assertTrue(health.bitrateCollapsed());
        stream(t, 25, 20 * 3600, 25, 3_000, 700);
        assertFalse(health.bitrateCollapsed());
    }

    @Test
    void nothingIsJudgedWhileLearning() {
        Instant t = stream(T0, 25, 30, 25, 20_000, 5_000);
        stream(t, 25, 20, 25, 1_000, 50);
        assertFalse(health.bitrateCollapsed(), "only 30 s learned when the rate fell");
    }

    @Test
    void resetReadsZeroAndUnknownButKeepsWhatIsUsual() {
        Instant t = stream(T0, 25, 120, 25, 20_000, 5_000);
        health.reset();
        assertEquals(0.0, health.framesPerSecond());
        assertEquals(0.0, health.bytesPerSecond());
        assertTrue(Double.isNaN(health.keyframeIntervalSeconds()));
        assertFalse(health.noKeyframes());
        double reference = health.referenceBytesPerSecond();
        // reconnected, covered: judged against what the camera usually sends
        stream(t.plus(Duration.ofMinutes(5)), 25, 12, 25, 3_000, 100);
        assertTrue(health.bitrateCollapsed());
        assertEquals(reference, health.referenceBytesPerSecond(), reference * 0.01);
    }

    @Test
    void aJumpInTimeRestartsTheWindowInsteadOfSkewingTheRates() {
        Instant t = stream(T0, 25, 15, 25, 20_000, 2_000);
        t = stream(t.plus(Duration.ofMinutes(10)), 25, 15, 25, 20_000, 2_000);
        assertEquals(25.0, health.framesPerSecond(), 0.01);
        stream(t.minus(Duration.ofMinutes(30)), 25, 15, 25, 20_000, 2_000);
        assertEquals(25.0, health.framesPerSecond(), 0.01);
        assertEquals(1.0, health.keyframeIntervalSeconds(), 0.001);
    }

    @Test
    void droppedPicturesLowerTheFrameRate() {
        // a 25 fps stream of which the network loses every other picture: timestamps keep their pace
        Instant t = T0;
        for (int i = 0; i < 25 * 30; i++) {
            if (i % 2 == 0 || i % 25 == 0) {
                health.frame(t.plusMillis(40L * i), i % 25 == 0 ? 20_000 : 2_000, i % 25 == 0);
            }
        }
        assertEquals(13.0, health.framesPerSecond(), 0.01);
    }
}
