package org.nvr.sim;

/**
 * Clips shared by the tests in this package: encoding is the slow part, and a clip is immutable, so
 * each is made once per test JVM, on first use.
 */
final class TestClips {

    private TestClips() {
    }

    /** The demo clip: 640x360, 25 fps, GOP 25, 10 s. */
    static SyntheticClip demo() {
        return Demo.CLIP;
    }

    /** A short clip for loop tests: 320x240, 25 fps, GOP 10, 1 s. */
    static SyntheticClip oneSecond() {
        return OneSecond.CLIP;
    }

    /** How long making the demo clip took, for the record; the first clip also loads FFmpeg. */
    static long demoGenerationMillis() {
        return Demo.MILLIS;
    }

    private static final class Demo {
        static final long MILLIS;
        static final SyntheticClip CLIP;

        static {
            long start = System.nanoTime();
            CLIP = SyntheticClip.demo();
            MILLIS = (System.nanoTime() - start) / 1_000_000;
        }
    }

    private static final class OneSecond {
        static final SyntheticClip CLIP = SyntheticClip.generate(320, 240, 25, 10, 25, 300_000);
    }
}
