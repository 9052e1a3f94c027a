package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code web:}: off when absent, read into immutable records, and every mistake names its key. */
class WebConfigTest {
    private static final String BASE = "storage: { root: /srv/nvr }\n"
            + "sites: [ { id: s1, cameras: [ { id: c1, url: \"rtsp://cam/x\" } ] } ]\n";
    private static final String HASH = "\"pbkdf2-sha256:1000:c2FsdHNhbHQ=:" + "A".repeat(43) + "=\"";
    private static final String TOO_COSTLY = "\"pbkdf2-sha256:2000000:c2FsdHNhbHQ=:" + "A".repeat(43) + "=\"";
    private static final String USER = "{name: canbo1, role: operator, password_hash: " + HASH + "}";

    @TempDir
    static Path dir;

    private static String web(String body) {
        return BASE + "web: {" + body + "}\n";
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of(web("users: [" + USER + "], colour: red"), "web.colour", "unknown key (expected listen, tls"),
                Arguments.of(web("listen: 127.0.0.1"), "web.listen", "invalid address"),
                Arguments.of(web("listen: 127.0.0.1:8080"), "web.users", "missing (required)"),
                Arguments.of(web("users: []"), "web.users", "missing (required)"),
                Arguments.of(web("users: [{name: a, role: boss, password_hash: " + HASH + "}]"), "web.users[0].role",
                        "unknown role \"boss\" (expected viewer, operator or admin)"),
                Arguments.of(web("users: [" + USER + ", {name: b, password_hash: " + HASH + "}]"), "web.users[1].role",
                        "missing (required)"),
                Arguments.of(web("users: [" + USER + ", " + USER + "]"), "web.users[1].name", "duplicate user \"canbo1\""),
                Arguments.of(web("users: [{name: \"a:b\", role: viewer, password_hash: " + HASH + "}]"),
                        "web.users[0].name", "must not contain ':'"),
                Arguments.of(web("users: [{name: a, role: viewer, password: hunter2}]"), "web.users[0].password",
                        "a plain password is not accepted"),
                Arguments.of(web("users: [{name: a, role: viewer, password_hash: hunter2}]"),
                        "web.users[0].password_hash", "not a password hash"),
                Arguments.of(web("users: [{name: a, role: viewer, password_hash: " + TOO_COSTLY + "}]"),
                        "web.users[0].password_hash", "above the limit"),
                Arguments.of(web("listen: 0.0.0.0:8080, users: [" + USER + "]"), "web.listen", "plain HTTP on 0.0.0.0:8080"),
                Arguments.of(web("listen: \"192.168.1.5:8080\", insecure_http: yes-please, users: [" + USER + "]"),
                        "web.insecure_http", "expected true or false"),
                Arguments.of(web("language: fr, users: [" + USER + "]"), "web.language", "unknown language \"fr\""),
                Arguments.of(web("tls: {cert: /nonexistent/web.crt, key: /nonexistent/web.key}, users: [" + USER + "]"),
                        "web.tls.cert", "no such file"),
                Arguments.of(web("tls: {cert: /etc/passwd}, users: [" + USER + "]"), "web.tls.cert", "not a PEM file"),
                Arguments.of(web("users: [" + USER + "], limits: {max_connections: 0}"), "web.limits.max_connections",
                        "expected a whole number from 1 to 100000"),
                Arguments.of(web("users: [" + USER + "], limits: {max_connections: 10, max_connections_per_address: 20}"),
                        "web.limits.max_connections_per_address", "must not be more than max_connections (10)"),
                Arguments.of(web("users: [" + USER + "], limits: {max_request_bytes: 10B}"), "web.limits.max_request_bytes",
                        "expected 1KiB to 16MiB"),
                Arguments.of(web("users: [" + USER + "], limits: {max_header_bytes: lots}"), "web.limits.max_header_bytes",
                        "invalid size \"lots\""),
                Arguments.of(web("users: [" + USER + "], limits: {idle_timeout: 2d}"), "web.limits.idle_timeout",
                        "expected 1s to 1d"),
                Arguments.of(web("users: [" + USER + "], limits: {request_deadline: 0s}"), "web.limits.request_deadline",
                        "must be greater than zero"),
                Arguments.of(web("users: [" + USER + "], limits: {login_failures: -1}"), "web.limits.login_failures",
                        "expected a whole number"),
                Arguments.of(web("users: [" + USER + "], limits: {login_failure_window: often}"),
                        "web.limits.login_failure_window", "invalid duration"),
                Arguments.of(web("users: [" + USER + "], limits: {max_sockets: 3}"), "web.limits.max_sockets",
                        "unknown key (expected max_connections"));
    }

    @ParameterizedTest(name = "[{index}] {1}: {2}")
    @MethodSource("errors")
    void namesTheKey(String yaml, String key, String problem) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, Map.of()));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.problem().contains(problem), e.getMessage());
    }

    @Test
    void offWhenAbsent() throws Exception {
        assertTrue(ConfigLoader.parse(BASE, Map.of()).web().isEmpty());
    }

    @Test
    void readsUsersRolesAndDefaults() throws Exception {
        WebConfig web = ConfigLoader.parse(web("users: [" + USER + ", {name: xem, role: viewer, password_hash: "
                + HASH + "}]"), Map.of()).web().orElseThrow();
        assertEquals("127.0.0.1:8080", web.listen());
        assertEquals("vi", web.language());
        assertFalse(web.insecureHttp());
        assertTrue(web.tls().isEmpty());
        assertEquals(WebConfig.Role.OPERATOR, web.user("canbo1").orElseThrow().role());
        assertEquals(WebConfig.Role.VIEWER, web.user("xem").orElseThrow().role());
        assertTrue(WebConfig.Role.ADMIN.allows(WebConfig.Role.OPERATOR));
        assertFalse(WebConfig.Role.VIEWER.allows(WebConfig.Role.OPERATOR));
    }

    @Test
    void limitsDefaultToTodaysValuesAndEachKeyIsRead() throws Exception {
        assertEquals(HttpLimits.WEB, ConfigLoader.parse(web("users: [" + USER + "]"), Map.of()).web().orElseThrow()
                .limits());
        assertEquals(new HttpLimits(256, 40, 16 * 1024, 8 * 1024, java.time.Duration.ofSeconds(60),
                java.time.Duration.ofSeconds(10), 5, java.time.Duration.ofMinutes(1)), HttpLimits.WEB, "today's values");
        WebConfig web = ConfigLoader.parse(web("users: [" + USER + "], limits: {max_connections: 500, "
                + "max_connections_per_address: 60, max_request_bytes: 32KiB, max_header_bytes: 16KiB, "
                + "idle_timeout: 2m, request_deadline: 20s, login_failures: 10, login_failure_window: 5m}"), Map.of())
                .web().orElseThrow();
        assertEquals(new HttpLimits(500, 60, 32 * 1024, 16 * 1024, java.time.Duration.ofMinutes(2),
                java.time.Duration.ofSeconds(20), 10, java.time.Duration.ofMinutes(5)), web.limits());
        WebConfig some = ConfigLoader.parse(web("users: [" + USER + "], limits: {login_failures: 3}"), Map.of())
                .web().orElseThrow();
        assertEquals(3, some.limits().loginFailures());
        assertEquals(HttpLimits.WEB.maxConnections(), some.limits().maxConnections(), "the others keep their default");
    }

    @Test
    void plainHttpBeyondLoopbackOnlyWhenAsked() throws Exception {
        WebConfig web = ConfigLoader.parse(web("listen: \"0.0.0.0:8080\", insecure_http: true, language: en, users: ["
                + USER + "]"), Map.of()).web().orElseThrow();
        assertTrue(web.insecureHttp());
        assertEquals("en", web.language());
    }

    @Test
    void tlsFilesMustBePem() throws Exception {
        Path cert = Files.writeString(dir.resolve("web.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        Path key = Files.writeString(dir.resolve("web.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        WebConfig web = ConfigLoader.parse(web("listen: \"0.0.0.0:8443\", tls: {cert: " + cert + ", key: " + key
                + "}, users: [" + USER + "]"), Map.of()).web().orElseThrow();
        assertEquals(cert, web.tls().orElseThrow().cert());
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(web("tls: {cert: " + cert
                + ", key: " + cert + "}, users: [" + USER + "]"), Map.of()));
        assertEquals("web.tls.key", e.key());
    }
}
