package org.nvr.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;

/**
 * Failed logins per key (a client address, or a user name): after {@code allowed} failures within one window (which starts
 * at the address's first failure), the key is refused without checking its credentials until the
 * window ends, so a guesser costs a map lookup instead of a password derivation. A success forgets
 * the address. At most {@code maxAddresses} are tracked: when full, finished windows are dropped
 * first, then the oldest window. Used by {@link CredentialCheck} per address and by the web login per
 * user as well.
 *
 * <p>Threads: any; every method is synchronized (cheap and uncontended: the HTTP event loop asks, the
 * verification threads report). Time comes from the injected clock.
 */
public final class FailureThrottle<K> {
    private final int allowed;
    private final Duration window;
    private final Clock clock;
    private final int maxAddresses;
    private final Map<K, Failures> failures = new HashMap<>();

    private static final class Failures {
        final Instant windowStart;
        int count;

        Failures(Instant windowStart) {
            this.windowStart = windowStart;
        }
    }

    public FailureThrottle(int allowed, Duration window, Clock clock, int maxAddresses) {
        if (allowed < 1 || maxAddresses < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("allowed, maxAddresses and window must be positive");
        }
        this.allowed = allowed;
        this.window = window;
        this.clock = clock;
        this.maxAddresses = maxAddresses;
    }

    /** How long {@code client} must wait before trying again; empty while it may try. */
    public synchronized Optional<Duration> retryAfter(K client) {
        Failures current = current(client, clock.instant());
        if (current == null || current.count < allowed) {
            return Optional.empty();
        }
        return Optional.of(Duration.between(clock.instant(), current.windowStart.plus(window)));
    }

    /** Counts a failure; true when it is the one that makes {@code client} wait. */
    public synchronized boolean failed(K client) {
        Instant now = clock.instant();
        Failures current = current(client, now);
        if (current == null) {
            if (failures.size() >= maxAddresses) {
                makeRoom(now);
            }
            current = new Failures(now);
            failures.put(client, current);
        }
        current.count++;
        return current.count == allowed;
    }

    public synchronized void succeeded(K client) {
        failures.remove(client);
    }

    /** Addresses tracked, for tests. */
    synchronized int tracked() {
        return failures.size();
    }

    /** The address's failures of the running window; a finished window is forgotten. */
    private Failures current(K client, Instant now) {
        Failures found = failures.get(client);
        if (found != null && !now.isBefore(found.windowStart.plus(window))) {
            failures.remove(client);
            return null;
        }
        return found;
    }

    private void makeRoom(Instant now) {
        failures.values().removeIf(f -> !now.isBefore(f.windowStart.plus(window)));
        if (failures.size() >= maxAddresses) {
            Iterator<Map.Entry<K, Failures>> it = failures.entrySet().iterator();
            Map.Entry<K, Failures> oldest = it.next();
            while (it.hasNext()) {
                Map.Entry<K, Failures> e = it.next();
                if (e.getValue().windowStart.isBefore(oldest.getValue().windowStart)) {
                    oldest = e;
                }
            }
            failures.remove(oldest.getKey());
        }
    }
}
