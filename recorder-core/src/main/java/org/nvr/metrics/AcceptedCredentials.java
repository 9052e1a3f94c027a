package org.nvr.metrics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code Authorization} headers that recently passed the full password check, remembered by their
 * SHA-256 (never the header itself) for {@code rememberFor}, so a scraper repeating its header costs
 * one SHA-256 instead of a PBKDF2 derivation, even while guessers from its address are throttled. At
 * most {@code capacity} headers are kept (the least recently accepted one goes first).
 *
 * <p>Threads: any; methods are synchronized. Time comes from the injected clock.
 */
final class AcceptedCredentials {
    private final Duration rememberFor;
    private final Clock clock;
    private final Map<ByteBuffer, Instant> expiries;

    AcceptedCredentials(Duration rememberFor, Clock clock, int capacity) {
        this.rememberFor = rememberFor;
        this.clock = clock;
        this.expiries = new LinkedHashMap<>(capacity, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Instant> eldest) {
                return size() > capacity;
            }
        };
    }

    /** Whether {@code header} passed the full check within the last {@code rememberFor}. */
    synchronized boolean contains(String header) {
        ByteBuffer key = digest(header);
        Instant expiry = expiries.get(key);
        if (expiry == null) {
            return false;
        }
        if (!clock.instant().isBefore(expiry)) {
            expiries.remove(key);
            return false;
        }
        return true;
    }

    synchronized void add(String header) {
        ByteBuffer key = digest(header);
        expiries.remove(key);
        expiries.put(key, clock.instant().plus(rememberFor));
    }

    private static ByteBuffer digest(String header) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(header.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
