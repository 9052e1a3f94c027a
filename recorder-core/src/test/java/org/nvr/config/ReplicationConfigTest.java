package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code replication:}: the contract's example, a credentials file, and every bad value named by its key. */
class ReplicationConfigTest {
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final Map<String, String> ENV = Map.of("S3_ACCESS_KEY", "AKIAEXAMPLE", "S3_SECRET_KEY", SECRET,
            "EMPTY", "");
    private static final String BASE = "storage: { root: /srv/nvr }\n"
            + "sites: [ { id: s1, cameras: [ { id: c1, url: \"rtsp://cam/x\" }, { id: c2, url: \"rtsp://cam/y\" } ] } ]\n";
    private static final String GOOD = "endpoint: https://s3.example.org, bucket: nvr-evidence, "
            + "access_key: \"${S3_ACCESS_KEY}\", secret_key: \"${S3_SECRET_KEY}\"";

    @TempDir
    Path dir;

    private static String doc(String body) {
        return BASE + "replication: { " + body + " }\n";
    }

    @Test
    void theContractsExample() throws Exception {
        NvrConfig config = ConfigLoader.parse(BASE + """
                replication:
                  endpoint: https://s3.example.org
                  bucket: nvr-evidence
                  region: us-east-1
                  access_key: ${S3_ACCESS_KEY}
                  secret_key: ${S3_SECRET_KEY}
                  prefix: cam-luong/
                  copy: holds
                  max_rate: 2Mbit/s
                  object_lock: {mode: compliance, days: 365}
                """, ENV);
        ReplicationConfig r = config.replication().orElseThrow();
        assertEquals(URI.create("https://s3.example.org"), r.endpoint());
        assertEquals("nvr-evidence", r.bucket());
        assertEquals("us-east-1", r.region());
        assertEquals("AKIAEXAMPLE", r.accessKey());
        assertEquals(SECRET, r.secretKey());
        assertEquals("cam-luong/", r.prefix());
        assertEquals(ReplicationConfig.Copy.HOLDS, r.copy());
        assertEquals(OptionalLong.of(250_000), r.maxRate());
        assertEquals(Optional.of(new ReplicationConfig.ObjectLock(ReplicationConfig.LockMode.COMPLIANCE, 365)),
                r.objectLock());
        assertFalse(r.toString().contains(SECRET), r.toString());
        assertEquals("***", KnownSecrets.redact(SECRET), "a log line can never show the secret");
    }

    @Test
    void defaultsAndCopyAllOfChosenCameras() throws Exception {
        ReplicationConfig r = ConfigLoader.parse(doc(GOOD + ", copy: all, cameras: [c2], prefix: x"), ENV)
                .replication().orElseThrow();
        assertEquals("us-east-1", r.region());
        assertEquals("x/", r.prefix());
        assertEquals(ReplicationConfig.Copy.ALL, r.copy());
        assertEquals(List.of("c2"), r.cameras());
        assertEquals(OptionalLong.empty(), r.maxRate());
        assertEquals(Optional.empty(), r.objectLock());
        assertTrue(ConfigLoader.parse(BASE, ENV).replication().isEmpty());
    }

    @Test
    void credentialsFromAFile() throws Exception {
        Path file = dir.resolve("s3.credentials");
        Files.writeString(file, "[default]\naws_access_key_id = AK1\naws_secret_access_key = " + SECRET + "\n"
                + "[other]\naws_access_key_id=AK2\naws_secret_access_key=zzzzzzzz\n");
        ReplicationConfig r = ConfigLoader.parse(doc("endpoint: http://127.0.0.1:9000, bucket: b-1, credentials_file: "
                + file), ENV).replication().orElseThrow();
        assertEquals("AK1", r.accessKey());
        assertEquals(SECRET, r.secretKey());
        r = ConfigLoader.parse(doc("endpoint: http://127.0.0.1:9000, bucket: b-1, profile: other, credentials_file: "
                + file), ENV).replication().orElseThrow();
        assertEquals("AK2", r.accessKey());
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of(doc("bucket: b-1, access_key: a, secret_key: \"${S3_SECRET_KEY}\""), "replication.endpoint", "missing"),
                Arguments.of(doc("endpoint: ftp://x, bucket: b-1, access_key: a, secret_key: \"${S3_SECRET_KEY}\""), "replication.endpoint", "expected http(s)"),
                Arguments.of(doc("endpoint: \"https://u:" + SECRET + "@x\", bucket: b-1, access_key: a, secret_key: \"${S3_SECRET_KEY}\""), "replication.endpoint", "must not carry credentials"),
                Arguments.of(doc("endpoint: https://x, bucket: B_1, access_key: a, secret_key: \"${S3_SECRET_KEY}\""), "replication.bucket", "invalid bucket name"),
                Arguments.of(doc("endpoint: https://x, access_key: a, secret_key: \"${S3_SECRET_KEY}\""), "replication.bucket", "missing"),
                Arguments.of(doc("endpoint: https://x, bucket: b-1, access_key: a, secret_key: " + SECRET), "replication.secret_key", "not accepted"),
                Arguments.of(doc("endpoint: https://x, bucket: b-1, access_key: a"), "replication.secret_key", "missing"),
                Arguments.of(doc("endpoint: https://x, bucket: b-1, access_key: a, secret_key: \"${EMPTY}\""), "replication.secret_key", "is empty"),
                Arguments.of(doc("endpoint: https://x, bucket: b-1, access_key: a, secret_key: \"${NOPE}\""), "replication.secret_key", "missing environment variable NOPE"),
                Arguments.of(doc("endpoint: https://x, bucket: b-1, credentials_file: /nonexistent/creds"), "replication.credentials_file", "not found"),
                Arguments.of(doc(GOOD + ", copy: some"), "replication.copy", "expected holds or all"),
                Arguments.of(doc(GOOD + ", copy: all"), "replication.cameras", "missing (required with copy: all)"),
                Arguments.of(doc(GOOD + ", copy: all, cameras: [c9]"), "replication.cameras[0]", "no camera \"c9\""),
                Arguments.of(doc(GOOD + ", cameras: [c1]"), "replication.cameras", "only used with copy: all"),
                Arguments.of(doc(GOOD + ", max_rate: fast"), "replication.max_rate", "invalid rate"),
                Arguments.of(doc(GOOD + ", max_rate: 2Mbit"), "replication.max_rate", "invalid rate"),
                Arguments.of(doc(GOOD + ", prefix: /abs"), "replication.prefix", "invalid prefix"),
                Arguments.of(doc(GOOD + ", object_lock: {mode: strict, days: 3}"), "replication.object_lock.mode", "compliance or governance"),
                Arguments.of(doc(GOOD + ", object_lock: {mode: governance, days: 0}"), "replication.object_lock.days", "out of range"),
                Arguments.of(doc(GOOD + ", object_lock: {mode: governance}"), "replication.object_lock.days", "missing"),
                Arguments.of(doc(GOOD + ", buckets: x"), "replication.buckets", "unknown key"));
    }

    @ParameterizedTest
    @MethodSource("errors")
    void badValuesNameTheirKeyAndNeverTheSecret(String yaml, String key, String message) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, ENV));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.problem().contains(message), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
    }
}
