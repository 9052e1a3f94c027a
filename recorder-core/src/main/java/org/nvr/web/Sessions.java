package org.nvr.web;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.nvr.config.WebConfig;

/**
 * The server-side session table of the web login: a random 256-bit id (the cookie) names a user and a
 * per-session CSRF token. A session ends when idle for {@code idle}, {@code absolute} after the login
 * however busy, or at logout; nothing survives a restart (everyone logs in again). At most
 * {@code capacity} sessions are kept: when full, expired ones go first, then the oldest.
 *
 * <p>Threads: any; methods are synchronized (a lookup per request). Time from the injected clock.
 */
final class Sessions {
    private static final int ID_BYTES = 32;

    /** One logged-in browser. */
    record Session(String id, WebConfig.User user, String csrfToken, Instant created) {
        /** Whether {@code token} is this session's CSRF token (constant time). */
        boolean csrfMatches(String token) {
            return token != null && MessageDigest.isEqual(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    csrfToken.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    private static final class Entry {
        final Session session;
        Instant lastSeen;

        Entry(Session session, Instant lastSeen) {
            this.session = session;
            this.lastSeen = lastSeen;
        }
    }

    private final Duration idle;
    private final Duration absolute;
    private final Clock clock;
    private final int capacity;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> entries = new HashMap<>();

    Sessions(Duration idle, Duration absolute, Clock clock, int capacity) {
        if (idle.isNegative() || idle.isZero() || absolute.compareTo(idle) < 0 || capacity < 1) {
            throw new IllegalArgumentException("idle must be positive, absolute at least idle, capacity positive");
        }
        this.idle = idle;
        this.absolute = absolute;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.capacity = capacity;
    }

    synchronized Session create(WebConfig.User user) {
        Instant now = clock.instant();
        if (entries.size() >= capacity) {
            makeRoom(now);
        }
        Session session = new Session(randomToken(), user, randomToken(), now);
        entries.put(session.id(), new Entry(session, now));
        return session;
    }

    /** The live session of {@code id}, its idle time restarted; empty when unknown or expired. */
    synchronized Optional<Session> touch(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Entry e = entries.get(id);
        if (e == null) {
            return Optional.empty();
        }
        if (expired(e, now)) {
            entries.remove(id);
            return Optional.empty();
        }
        e.lastSeen = now;
        return Optional.of(e.session);
    }

    synchronized void remove(String id) {
        if (id != null) {
            entries.remove(id);
        }
    }

    synchronized int size() {
        return entries.size();
    }

    /** How long a session may go unused. */
    Duration idle() {
        return idle;
    }

    /** How long the cookie may live in the browser: the absolute limit. */
    Duration absolute() {
        return absolute;
    }

    private boolean expired(Entry e, Instant now) {
        return !now.isBefore(e.lastSeen.plus(idle)) || !now.isBefore(e.session.created().plus(absolute));
    }

    private void makeRoom(Instant now) {
        entries.values().removeIf(e -> expired(e, now));
        if (entries.size() >= capacity) {
            Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
            Map.Entry<String, Entry> oldest = it.next();
            while (it.hasNext()) {
                Map.Entry<String, Entry> e = it.next();
                if (e.getValue().lastSeen.isBefore(oldest.getValue().lastSeen)) {
                    oldest = e;
                }
            }
            entries.remove(oldest.getKey());
        }
    }

    private String randomToken() {
        byte[] bytes = new byte[ID_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
