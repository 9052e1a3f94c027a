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
                Arguments.of(web("tls: {cert: /etc/passwd}, users: [" + USER + "]"), "web.tls.cert", "not a PEM file"));
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
