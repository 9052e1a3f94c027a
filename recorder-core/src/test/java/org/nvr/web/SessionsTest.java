package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.nvr.config.PasswordHash;
import org.nvr.config.WebConfig;

/** The session table: fresh random ids and tokens, and a bounded size that drops expired sessions first. */
class SessionsTest {
    static final WebConfig.User USER = new WebConfig.User("xem", WebConfig.Role.VIEWER,
            PasswordHash.parse("pbkdf2-sha256:1000:c2FsdHNhbHQ=:" + "A".repeat(43) + "="));

    final WebServerTest.MovableClock clock = new WebServerTest.MovableClock(Instant.parse("2026-12-06T03:00:00Z"));
    final Sessions sessions = new Sessions(Duration.ofMinutes(30), Duration.ofHours(12), clock, 2);

    @Test
    void everyLoginGetsItsOwnIdAndToken() {
        Sessions.Session a = sessions.create(USER);
        Sessions.Session b = sessions.create(USER);
        assertNotEquals(a.id(), b.id());
        assertNotEquals(a.csrfToken(), b.csrfToken());
        assertNotEquals(a.id(), a.csrfToken());
        assertTrue(a.csrfMatches(a.csrfToken()));
        assertTrue(!a.csrfMatches(b.csrfToken()) && !a.csrfMatches(null));
    }

    @Test
    void whenFullTheExpiredGoFirstThenTheLeastRecentlyUsed() {
        Sessions.Session old = sessions.create(USER);
        clock.advance(Duration.ofMinutes(31));
        Sessions.Session kept = sessions.create(USER);
        Sessions.Session third = sessions.create(USER);
        assertEquals(2, sessions.size(), "the expired one made room");
        assertTrue(sessions.touch(old.id()).isEmpty());
        clock.advance(Duration.ofMinutes(1));
        assertTrue(sessions.touch(kept.id()).isPresent());
        sessions.create(USER);
        assertTrue(sessions.touch(third.id()).isEmpty(), "the least recently used one went");
        assertTrue(sessions.touch(kept.id()).isPresent());
    }
}
