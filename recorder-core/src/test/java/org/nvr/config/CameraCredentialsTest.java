package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.nvr.testing.UserInfoPasswords;

/**
 * A camera's credentials live apart from its URL: whatever the URL's user info held, {@link CameraConfig#url()}
 * holds none, so no text built from it can show a password; and {@link KnownSecrets} cleans the text
 * that repeats a password outside any URL (FFmpeg's lines, a camera's error text).
 */
class CameraCredentialsTest {

    private static CameraConfig load(String url) throws ConfigException {
        return ConfigLoader.parse("""
                storage: { root: /srv/nvr }
                sites: [ { id: s1, cameras: [ { id: c1, url: "%s" } ] } ]
                """.formatted(url.replace("\\", "\\\\").replace("\"", "\\\"")), Map.of()).camera("c1").orElseThrow();
    }

    @Test
    void urlNeverHoldsUserInfo() throws ConfigException {
        for (UserInfoPasswords.Password p : UserInfoPasswords.all()) {
            CameraConfig camera = load(p.url("admin", "10.0.0.5:554/Streaming/Channels/101?a=1"));
            assertNull(camera.url().getRawUserInfo(), p.value());
            assertEquals("rtsp://10.0.0.5:554/Streaming/Channels/101?a=1", camera.url().toString());
            assertEquals(Optional.of("admin"), camera.username());
            assertEquals(Optional.of(p.value()), camera.password(), p.inUrl());
            assertEquals("rtsp://***@10.0.0.5:554/Streaming/Channels/101?a=1", camera.redactedUrl());
            assertFalse(camera.toString().contains("Zk"), camera.toString());
        }
    }

    @Test
    void separateKeysTakePrecedenceOverTheUrl() {
        CameraConfig camera = new CameraConfig("c1", "s1", "c1", java.net.URI.create("rtsp://u:urlpass@[fe80::1]:322/x"),
                Optional.empty(), Optional.of("keypass"), Transport.TCP, AudioPolicy.DROP,
                CameraConfig.DEFAULT_STALL_TIMEOUT, Retention.NONE, Optional.empty(), Optional.empty());
        assertEquals(Optional.of("u"), camera.username());
        assertEquals(Optional.of("keypass"), camera.password());
        assertEquals("rtsp://[fe80::1]:322/x", camera.url().toString());
        assertEquals("rtsp://***@[fe80::1]:322/x", camera.redactedUrl());
    }

    @Test
    void knownSecretsAreRemovedInEveryForm() {
        for (UserInfoPasswords.Password p : UserInfoPasswords.all()) {
            CameraConfig camera = new CameraConfig("c1", "s1", "c1", java.net.URI.create("rtsp://cam/x"),
                    Optional.of("admin"), Optional.of(p.value()), Transport.TCP, AudioPolicy.DROP,
                    CameraConfig.DEFAULT_STALL_TIMEOUT, Retention.NONE, Optional.empty(), Optional.empty());
            KnownSecrets.remember(camera);
            String basic = java.util.Base64.getEncoder().encodeToString(("admin:" + p.value())
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (String form : new String[] {p.value(), p.inUrl(), UserInfoPasswords.percentEncode(p.value()),
                    UserInfoPasswords.percentEncode(p.value()).toLowerCase(java.util.Locale.ROOT),
                    java.net.URLEncoder.encode(p.value(), java.nio.charset.StandardCharsets.UTF_8), basic}) {
                String line = "[rtsp @ 0x1] method DESCRIBE failed: 401 (password " + form + ") Authorization: Basic "
                        + basic;
                String redacted = KnownSecrets.redact(line);
                assertFalse(redacted.contains("Zk"), form + ": " + redacted);
                assertFalse(redacted.contains(basic), form + ": " + redacted);
            }
        }
        assertEquals("ab 1 admin", KnownSecrets.redact("ab 1 admin"), "short common words stay");
    }
}
