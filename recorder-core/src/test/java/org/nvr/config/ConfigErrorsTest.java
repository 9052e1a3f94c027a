package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every class of configuration error names the exact key, and no message ever shows a credential. */
class ConfigErrorsTest {
    private static final String SECRET = "Sup3rS3cret";
    private static final Map<String, String> ENV = Map.of(
            "CAM_USER", "admin", "CAM_PASS", SECRET,
            "RAW_AT", SECRET + "@x", "RAW_SLASH", SECRET + "/x", "RAW_HASH", SECRET + "#x", "RAW_PCT", SECRET + "%zz",
            "SEG", SECRET, "SHORT", "5");

    private static final String STORAGE = "storage: { root: /srv/nvr }\n";
    /** A well-formed hash (of nothing in particular). */
    private static final String HASH = "\"pbkdf2-sha256:1000:c2FsdHNhbHQ=:" + "A".repeat(43) + "=\"";
    private static final String SITES = "sites: [ { id: s1, cameras: [ { id: c1, url: \"rtsp://cam/x\" } ] } ]\n";

    /** A document with one site holding the given camera (a flow mapping body). */
    private static String camera(String body) {
        return STORAGE + "sites: [ { id: s1, cameras: [ { id: c1, " + body + " } ] } ]\n";
    }

    /** A document with one camera whose url is given; it may carry the secret. */
    private static String url(String url) {
        return camera("url: \"" + url + "\"");
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                // top level
                Arguments.of("", "", "the configuration is empty"),
                Arguments.of("- a\n", "", "must be a mapping"),
                Arguments.of(STORAGE + SITES + "storgae: {}\n", "storgae", "unknown key (expected storage, metrics, sites, web, replication)"),
                Arguments.of(SITES, "storage", "missing (required)"),
                Arguments.of("storage: /srv/nvr\n" + SITES, "storage", "expected a mapping"),
                // storage
                Arguments.of("storage: { segment_seconds: 60 }\n" + SITES, "storage.root", "missing (required)"),
                Arguments.of("storage: { root: \"\" }\n" + SITES, "storage.root", "must not be empty"),
                Arguments.of("storage: { root: ~/nvr }\n" + SITES, "storage.root", "'~' is not expanded"),
                Arguments.of("storage: { root: [a, b] }\n" + SITES, "storage.root", "expected a single value, not a list"),
                Arguments.of("storage: { root: /srv, segment_seconds: 1 }\n" + SITES, "storage.segment_seconds", "out of range (expected 2 to 3600)"),
                Arguments.of("storage: { root: /srv, segment_seconds: 3601 }\n" + SITES, "storage.segment_seconds", "out of range"),
                Arguments.of("storage: { root: /srv, segment_seconds: 60s }\n" + SITES, "storage.segment_seconds", "invalid number \"60s\""),
                Arguments.of("storage: { root: /srv, segment: 60 }\n" + SITES, "storage.segment", "unknown key (expected root, segment_seconds, retention)"),
                Arguments.of("storage: { root: /srv, retention: 30d }\n" + SITES, "storage.retention", "expected a mapping"),
                Arguments.of("storage: { root: /srv, retention: { max_bytes: 0 } }\n" + SITES, "storage.retention.max_bytes", "greater than zero"),
                Arguments.of("storage: { root: /srv, retention: { max_bytes: -2TB } }\n" + SITES, "storage.retention.max_bytes", "greater than zero"),
                Arguments.of("storage: { root: /srv, retention: { max_bytes: 2XB } }\n" + SITES, "storage.retention.max_bytes", "unknown unit"),
                Arguments.of("storage: { root: /srv, retention: { max_bytes: 99999999TB } }\n" + SITES, "storage.retention.max_bytes", "too large"),
                Arguments.of("storage: { root: /srv, retention: { min_free_bytes: lots } }\n" + SITES, "storage.retention.min_free_bytes", "invalid size \"lots\""),
                Arguments.of("storage: { root: /srv, retention: { max_age: 0d } }\n" + SITES, "storage.retention.max_age", "greater than zero"),
                Arguments.of("storage: { root: /srv, retention: { max_age: 30 days } }\n" + SITES, "storage.retention.max_age", "invalid duration"),
                Arguments.of("storage: { root: /srv, retention: { max_files: 9 } }\n" + SITES, "storage.retention.max_files", "unknown key (expected max_bytes, min_free_bytes, max_age)"),
                // metrics
                Arguments.of(STORAGE + SITES + "metrics: { listen: \"::1:9108\" }\n", "metrics.listen", "in brackets"),
                Arguments.of(STORAGE + SITES + "metrics: { listen: localhost }\n", "metrics.listen", "expected host:port"),
                Arguments.of(STORAGE + SITES + "metrics: { listen: \"1.2.3.4:70000\" }\n", "metrics.listen", "invalid port"),
                Arguments.of(STORAGE + SITES + "metrics: { port: 9108 }\n", "metrics.port", "unknown key (expected listen, auth, limits)"),
                Arguments.of(STORAGE + SITES + "metrics: { limits: { max_connections_per_address: 0 } }\n",
                        "metrics.limits.max_connections_per_address", "expected a whole number from 1 to 100000"),
                Arguments.of(STORAGE + SITES + "metrics: { limits: { max_request_bytes: 1GiB } }\n",
                        "metrics.limits.max_request_bytes", "expected 1KiB to 16MiB"),
                Arguments.of(STORAGE + SITES + "metrics: { limits: 64 }\n", "metrics.limits", "expected a mapping"),
                Arguments.of(STORAGE + SITES + "metrics: { auth: { username: prometheus } }\n", "metrics.auth.password_hash", "missing (required)"),
                Arguments.of(STORAGE + SITES + "metrics: { auth: { password_hash: " + HASH + " } }\n", "metrics.auth.username", "missing (required)"),
                Arguments.of(STORAGE + SITES + "metrics: { auth: { username: \"a:b\", password_hash: " + HASH + " } }\n", "metrics.auth.username", "must not contain ':'"),
                Arguments.of(STORAGE + SITES + "metrics: { auth: { username: p, password: " + SECRET + " } }\n", "metrics.auth.password", "a plain password is not accepted"),
                Arguments.of(STORAGE + SITES + "metrics: { auth: { username: p, password_hash: " + SECRET + " } }\n", "metrics.auth.password_hash", "not a password hash: expected pbkdf2-sha256:"),
                Arguments.of(STORAGE + SITES + "metrics: { auth: { username: p, password_hash: \"${CAM_PASS}\" } }\n", "metrics.auth.password_hash", "not a password hash"),
                Arguments.of(STORAGE + SITES + "metrics: { auth: { username: p, password_hash: " + HASH + ", realm: x } }\n", "metrics.auth.realm", "unknown key (expected username, password_hash)"),
                Arguments.of(STORAGE + SITES + "metrics: { auth: prometheus }\n", "metrics.auth", "expected a mapping"),
                // sites
                Arguments.of(STORAGE, "sites", "missing (at least one site is required)"),
                Arguments.of(STORAGE + "sites: []\n", "sites", "at least one site is required"),
                Arguments.of(STORAGE + "sites:\n", "sites", "at least one site is required"),
                Arguments.of(STORAGE + "sites: { id: s1 }\n", "sites", "expected a list"),
                Arguments.of(STORAGE + "sites: [ s1 ]\n", "sites[0]", "expected a mapping"),
                Arguments.of(STORAGE + "sites: [ { name: x, cameras: [ { id: c1, url: \"rtsp://c/x\" } ] } ]\n", "sites[0].id", "missing (required)"),
                Arguments.of(STORAGE + "sites: [ { id: Thon 1, cameras: [ { id: c1, url: \"rtsp://c/x\" } ] } ]\n", "sites[0].id", "invalid id \"Thon 1\""),
                Arguments.of(STORAGE + "sites: [ { id: -s, cameras: [ { id: c1, url: \"rtsp://c/x\" } ] } ]\n", "sites[0].id", "invalid id"),
                Arguments.of(STORAGE + "sites: [ { id: " + "a".repeat(33) + ", cameras: [ { id: c1, url: \"rtsp://c/x\" } ] } ]\n", "sites[0].id", "invalid id"),
                Arguments.of(STORAGE + "sites: [ { id: s1, cameras: [ { id: c1, url: \"rtsp://c/x\" } ] },"
                        + " { id: s1, cameras: [ { id: c2, url: \"rtsp://c/y\" } ] } ]\n", "sites[1].id", "duplicate site id \"s1\" (first used at sites[0].id)"),
                Arguments.of(STORAGE + "sites: [ { id: s1 } ]\n", "sites[0].cameras", "missing (at least one camera is required)"),
                Arguments.of(STORAGE + "sites: [ { id: s1, cameras: [] } ]\n", "sites[0].cameras", "at least one camera is required"),
                Arguments.of(STORAGE + "sites: [ { id: s1, name: { a: b }, cameras: [ { id: c1, url: \"rtsp://c/x\" } ] } ]\n", "sites[0].name", "expected a single value, not a mapping"),
                Arguments.of(STORAGE + "sites: [ { id: s1, place: x, cameras: [ { id: c1, url: \"rtsp://c/x\" } ] } ]\n", "sites[0].place", "unknown key (expected id, name, cameras)"),
                // cameras: ids
                Arguments.of(STORAGE + "sites: [ { id: s1, cameras: [ { url: \"rtsp://c/x\" } ] } ]\n", "sites[0].cameras[0].id", "missing (required)"),
                Arguments.of(STORAGE + "sites: [ { id: s1, cameras: [ { id: Cam_01, url: \"rtsp://c/x\" } ] } ]\n", "sites[0].cameras[0].id", "invalid id"),
                Arguments.of(STORAGE + "sites: [ { id: s1, cameras: [ { id: c1, url: \"rtsp://c/x\" }, { id: c2, url: \"rtsp://c/y\" },"
                        + " { id: c1, url: \"rtsp://c/z\" } ] } ]\n", "sites[0].cameras[2].id", "duplicate camera id \"c1\" (first used at sites[0].cameras[0].id)"),
                Arguments.of(STORAGE + "sites: [ { id: s1, cameras: [ { id: c1, url: \"rtsp://c/x\" } ] },"
                        + " { id: s2, cameras: [ { id: c1, url: \"rtsp://c/y\" } ] } ]\n", "sites[1].cameras[0].id", "duplicate camera id \"c1\" (first used at sites[0].cameras[0].id)"),
                Arguments.of(camera("url: \"rtsp://c/x\", usr: admin"), "sites[0].cameras[0].usr", "unknown key (expected id, name, url, username, password, transport, audio, stall_timeout, retention, location, contact, source)"),
                // cameras: values
                Arguments.of(camera("name: x"), "sites[0].cameras[0].url", "missing (required)"),
                Arguments.of(camera("url: \"\""), "sites[0].cameras[0].url", "must not be empty"),
                Arguments.of(camera("url: \"rtsp://c/x\", transport: pigeon"), "sites[0].cameras[0].transport", "unknown value \"pigeon\" (expected tcp, udp or auto)"),
                Arguments.of(camera("url: \"rtsp://c/x\", source: gstreamer"), "sites[0].cameras[0].source", "unknown value \"gstreamer\" (expected rtsp or ffmpeg)"),
                Arguments.of(camera("url: \"rtsp://c/x\", audio: mp3"), "sites[0].cameras[0].audio", "unknown value \"mp3\" (expected transcode, copy or drop)"),
                Arguments.of(camera("url: \"rtsp://c/x\", stall_timeout: 500ms"), "sites[0].cameras[0].stall_timeout", "out of range (expected 1s to 5m)"),
                Arguments.of(camera("url: \"rtsp://c/x\", stall_timeout: 6m"), "sites[0].cameras[0].stall_timeout", "out of range"),
                Arguments.of(camera("url: \"rtsp://c/x\", stall_timeout: 5"), "sites[0].cameras[0].stall_timeout", "invalid duration \"5\""),
                Arguments.of(camera("url: \"rtsp://c/x\", stall_timeout: \"${SHORT}\""), "sites[0].cameras[0].stall_timeout",
                        "invalid duration \"${SHORT}\": expected a whole number with a unit ms, s, m, h or d, e.g. 90s, 15m"),
                Arguments.of(camera("url: \"rtsp://c/x\", retention: { min_free_bytes: 10GB }"), "sites[0].cameras[0].retention.min_free_bytes", "set it under storage.retention"),
                Arguments.of(camera("url: \"rtsp://c/x\", retention: { max_age: 1 week }"), "sites[0].cameras[0].retention.max_age", "invalid duration"),
                Arguments.of(STORAGE + "sites: [ { id: s1, cameras: [ { id: c1, url: \"rtsp://c/x\" } ] },"
                        + " { id: s2, cameras: [ { id: c2, url: \"rtsp://c/y\", retention: { max_files: 3 } } ] } ]\n",
                        "sites[1].cameras[0].retention.max_files", "unknown key (expected max_bytes, max_age)"),
                // cameras: url
                Arguments.of(url("http://cam/x"), "sites[0].cameras[0].url", "must start with rtsp:// or rtsps://"),
                Arguments.of(url("cam.local/x"), "sites[0].cameras[0].url", "must start with rtsp:// or rtsps://"),
                Arguments.of(url("rtsp:///x"), "sites[0].cameras[0].url", "has no host"),
                Arguments.of(url("rtsp://cam:99999/x"), "sites[0].cameras[0].url", "invalid port"),
                Arguments.of(url("rtsp://cam x/y"), "sites[0].cameras[0].url", "not a valid URL"),
                Arguments.of(url("rtsp://${CAM_USER}:${CAM_PASS}@cam/${MISSING}"), "sites[0].cameras[0].url", "missing environment variable MISSING"),
                Arguments.of(url("rtsp://${CAM_USER:cam/x"), "sites[0].cameras[0].url", "unterminated ${"),
                Arguments.of(camera("url: \"rtsp://c/x\", name: \"${NAME}\""), "sites[0].cameras[0].name", "missing environment variable NAME"));
    }

    /** Credentials that would change the URL's structure; the message must help without showing them. */
    static Stream<Arguments> leakyUrls() {
        return Stream.of(
                Arguments.of(url("rtsp://admin:" + SECRET + "@x@cam/x"), "special characters"),
                Arguments.of(url("rtsp://admin:12/" + SECRET + "@cam/x"), "'@' follows the host"),
                Arguments.of(url("rtsp://admin:" + SECRET + "#x@cam/x"), "special characters"),
                Arguments.of(url("rtsp://admin:" + SECRET + "?x@cam/x"), "special characters"),
                Arguments.of(url("rtsp://admin:" + SECRET + "%zz@cam/x"), "Malformed escape pair".toLowerCase()),
                Arguments.of(url("rtsp://admin:" + SECRET + " x@cam/x"), "not a valid URL"),
                Arguments.of(url("rtsp://admin:" + SECRET + "@cam:0/x"), "invalid port"),
                Arguments.of(url("http://admin:" + SECRET + "@cam/x"), "rtsp://"),
                Arguments.of(url("rtsp://admin:" + SECRET + "@/x"), "host"),
                Arguments.of(url("rtsp://${CAM_USER}:${RAW_AT}@cam/x"), "environment variable RAW_AT"),
                Arguments.of(url("rtsp://${CAM_USER}:${RAW_SLASH}@cam/x"), "environment variable RAW_SLASH"),
                Arguments.of(url("rtsp://${CAM_USER}:${RAW_HASH}@cam/x"), "environment variable RAW_HASH"),
                Arguments.of(url("rtsp://${CAM_USER}:${RAW_PCT}@cam/x"), "environment variable RAW_PCT"),
                Arguments.of(url("rtsp://${CAM_USER}:${CAM_PASS}@cam:99999/x"), "invalid port"),
                Arguments.of("storage: { root: /srv, segment_seconds: \"${SEG}\" }\n" + SITES, "invalid number \"${SEG}\""),
                Arguments.of(camera("url: \"rtsp://c/x\", stall_timeout: \"${CAM_PASS}\""), "invalid duration \"${CAM_PASS}\""),
                Arguments.of(camera("url: \"rtsp://c/x\", transport: \"${CAM_PASS}\""), "unknown value \"${CAM_PASS}\""),
                Arguments.of(camera("url: \"rtsp://admin:" + SECRET + "@c/x\", bogus: 1"), "unknown key"),
                Arguments.of(STORAGE + "sites:\n  - id: s1\n    cameras:\n      - url: \"rtsp://admin:" + SECRET + "@c/x\n", "line "),
                Arguments.of(STORAGE + "sites:\n  - id: s1\n    cameras:\n      - url: rtsp://admin:" + SECRET + "@c/x\n"
                        + "        url: rtsp://admin:" + SECRET + "@c/y\n", "duplicate key url"),
                Arguments.of(STORAGE + "sites:\n  - id: s1\n    cameras:\n      - url: rtsp://admin:" + SECRET + "@c/x\n"
                        + "      url: x\n", "line "));
    }

    @ParameterizedTest(name = "[{index}] {1}: {2}")
    @MethodSource("errors")
    void namesTheKey(String yaml, String key, String problem) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, ENV));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.problem().contains(problem), e.getMessage());
        assertEquals(key.isEmpty() ? e.problem() : key + ": " + e.problem(), e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("leakyUrls")
    void neverShowsACredential(String yaml, String hint) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, ENV));
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertFalse(trace.toString().contains(SECRET), trace.toString());
        assertFalse(trace.toString().contains("admin"), trace.toString());
        assertTrue(e.getMessage().contains(hint), e.getMessage());
    }

    @ParameterizedTest(name = "[{index}] {1}: {2}")
    @MethodSource("errors")
    void errorMessagesNeverShowTheEnvironment(String yaml, String key, String problem) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, ENV));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }
}
