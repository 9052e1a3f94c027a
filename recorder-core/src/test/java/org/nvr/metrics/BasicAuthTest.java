package org.nvr.metrics;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BasicAuthTest {
    /** A low cost keeps the tests fast; the format check below covers the default. */
    private static final int CHEAP = 1_000;
    private static final String STORED = BasicAuth.hash("correct horse".toCharArray(), CHEAP);
    private final BasicAuth auth = BasicAuth.of("prometheus", STORED);

    @Test
    void acceptsTheRightUserAndPasswordOnly() {
        assertTrue(auth.accepts(header("prometheus:correct horse")));
        assertTrue(auth.accepts(header("prometheus:correct horse")), "again: nothing is remembered here");
        assertTrue(auth.accepts("basic " + Base64.getEncoder().encodeToString(
                "prometheus:correct horse".getBytes(StandardCharsets.UTF_8))), "scheme is case-insensitive");
        assertFalse(auth.accepts(header("prometheus:wrong")));
        assertFalse(auth.accepts(header("grafana:correct horse")));
        assertFalse(auth.accepts(header("prometheus:")));
        assertFalse(auth.accepts(header("prometheus")));
        assertFalse(auth.accepts("Basic !!!not-base64"));
        assertFalse(auth.accepts("Bearer abc"));
        assertFalse(auth.accepts(""));
        assertFalse(auth.accepts(null));
    }

    @Test
    void passwordsWithColonsAndNonAsciiWork() {
        BasicAuth other = BasicAuth.of("ops", BasicAuth.hash("a:b Ngã tư".toCharArray(), CHEAP));
        assertTrue(other.accepts(header("ops:a:b Ngã tư")));
        assertFalse(other.accepts(header("ops:a:b Nga tu")));
    }

    @Test
    void hashesAreSaltedAndMalformedOnesRejectedWithoutEcho() {
        assertNotEquals(STORED, BasicAuth.hash("correct horse".toCharArray(), CHEAP));
        String standard = BasicAuth.hash("correct horse".toCharArray());
        assertTrue(standard.startsWith("pbkdf2-sha256:" + BasicAuth.DEFAULT_ITERATIONS + ":"), standard);
        assertTrue(BasicAuth.of("prometheus", standard).accepts(header("prometheus:correct horse")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BasicAuth.of("prometheus", "plaintext-password"));
        assertFalse(e.getMessage().contains("plaintext-password"));
        assertThrows(IllegalArgumentException.class, () -> BasicAuth.of("prometheus", "pbkdf2-sha256:0:AAAA:AAAA"));
        assertThrows(IllegalArgumentException.class, () -> BasicAuth.of("a:b", STORED));
        assertThrows(IllegalArgumentException.class, () -> BasicAuth.hash(new char[0]));
    }

    private static String header(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }
}
