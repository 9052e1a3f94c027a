package org.nvr.sim;

import java.util.Random;

/**
 * The bytes a misbehaving camera sends where RTSP or RTP should be: uniformly random, from a
 * {@link Random} with a given seed, so the same seed always gives the same bytes. Stateless; any
 * thread.
 */
final class Garbage {

    private Garbage() {
    }

    /** {@code length} random bytes, the same for the same seed. */
    static byte[] burst(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
