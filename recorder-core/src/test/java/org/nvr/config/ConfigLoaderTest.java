package org.nvr.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final Map<String, String> ENV = Map.of(
            "CAM01_USER", "admin", "CAM01_PASS", "p%40ss%3A%23%2F%25",
            "CAM02_USER", "viewer", "CAM02_PASS", "raw@pass/with#chars",
            "CHO2_USER", "operator", "CHO2_PASS", "Cho2Secret");

    private static final String FULL = """
            storage:
              root: /var/lib/nvr/../nvr/./footage
              segment_seconds: 30
              retention:
                max_bytes: 2TB
                min_free_bytes: 20GiB
                max_age: 30d
            metrics:
              listen: "[::1]:9200"
            sites:
              - id: thon-1
                name: "Thôn 1"
                cameras:
                  - id: cam-01
                    name: "Ngã tư UBND xã"
                    url: rtsp://${CAM01_USER}:${CAM01_PASS}@192.168.1.64:554/Streaming/Channels/101
                    transport: udp
                    audio: copy
                    stall_timeout: 10s
                    retention: { max_bytes: 50GB, max_age: 14d }
                    location: "Ngã tư UBND, đường TL532E"
                    contact: "Hộ ông Nguyễn Văn A, 09xx xxx xxx"
                  - id: cam-02
                    url: rtsp://192.168.1.65/live
                    source: RTSP
                    username: ${CAM02_USER}
                    password: ${CAM02_PASS}
              - id: thon-2
                cameras:
                  - id: cho-2
                    url: rtsps://cam.example.org:322/s
                    transport: auto
                    audio: drop
                    source: ffmpeg
            """;

    @Test
    void readsEveryKey() throws ConfigException {
        NvrConfig config = ConfigLoader.parse(FULL, ENV);

        assertEquals(new StorageConfig(Path.of("/var/lib/nvr/footage"), Duration.ofSeconds(30),
                new Retention(OptionalLong.of(2_000_000_000_000L), OptionalLong.of(20L << 30),
                        Optional.of(Duration.ofDays(30)))), config.storage());
        assertEquals(Path.of("/var/lib/nvr/footage/index.db"), config.storage().indexPath());
        assertEquals(new MetricsConfig("::1", 9200), config.metrics());

        assertEquals(List.of("thon-1", "thon-2"), config.sites().stream().map(SiteConfig::id).toList());
        assertEquals("Thôn 1", config.sites().get(0).name());
        assertEquals("thon-2", config.sites().get(1).name());
        assertEquals(List.of("cam-01", "cam-02", "cho-2"), config.cameras().map(CameraConfig::id).toList());

        CameraConfig cam01 = config.camera("cam-01").orElseThrow();
        assertEquals(new CameraConfig("cam-01", "thon-1", "Ngã tư UBND xã",
                URI.create("rtsp://admin:p%40ss%3A%23%2F%25@192.168.1.64:554/Streaming/Channels/101"),
                Optional.empty(), Optional.empty(), Transport.UDP, AudioPolicy.COPY_OR_DROP, Duration.ofSeconds(10),
                new Retention(OptionalLong.of(50_000_000_000L), OptionalLong.empty(), Optional.of(Duration.ofDays(14))),
                Optional.of("Ngã tư UBND, đường TL532E"), Optional.of("Hộ ông Nguyễn Văn A, 09xx xxx xxx")), cam01);

        CameraConfig cam02 = config.camera("cam-02").orElseThrow();
        assertEquals(new CameraConfig("cam-02", "thon-1", "cam-02", URI.create("rtsp://192.168.1.65/live"),
                Optional.of("viewer"), Optional.of("raw@pass/with#chars"), Transport.TCP, AudioPolicy.TRANSCODE,
                Duration.ofSeconds(5), Retention.NONE, Optional.empty(), Optional.empty(), Source.RTSP), cam02);

        CameraConfig cho2 = config.camera("cho-2").orElseThrow();
        assertEquals("thon-2", cho2.siteId());
        assertEquals(Transport.AUTO, cho2.transport());
        assertEquals(AudioPolicy.DROP, cho2.audio());
        assertEquals(Source.FFMPEG, cho2.source());
        assertEquals(Source.DEFAULT, cam01.source(), "no source: the default");
        assertEquals(322, cho2.url().getPort());
    }

    @Test
    void appliesDefaults() throws ConfigException {
        NvrConfig config = ConfigLoader.parse("""
                storage: { root: /srv/nvr }
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://cam/x" } ] } ]
                """, Map.of());

        assertEquals(new StorageConfig(Path.of("/srv/nvr"), StorageConfig.DEFAULT_SEGMENT, Retention.NONE),
                config.storage());
        assertEquals(MetricsConfig.DEFAULT, config.metrics());
        assertEquals(new CameraConfig("c1", "s1", "c1", URI.create("rtsp://cam/x"), Optional.empty(),
                Optional.empty(), Transport.TCP, AudioPolicy.TRANSCODE, CameraConfig.DEFAULT_STALL_TIMEOUT,
                Retention.NONE, Optional.empty(), Optional.empty()), config.camera("c1").orElseThrow());
    }

    @Test
    void emptyOptionalSectionsMeanDefaults() throws ConfigException {
        NvrConfig config = ConfigLoader.parse("""
                storage:
                  root: /srv/nvr
                  retention:
                metrics:
                sites:
                  - id: s1
                    name:
                    cameras:
                      - id: c1
                        url: rtsp://cam/x
                        location: ~
                """, Map.of());
        assertEquals(Retention.NONE, config.storage().retention());
        assertEquals(MetricsConfig.DEFAULT, config.metrics());
        assertEquals("s1", config.sites().get(0).name());
        assertEquals(Optional.empty(), config.camera("c1").orElseThrow().location());
    }

    @Test
    void scalarsAreTextUntilValidated() throws ConfigException {
        NvrConfig config = ConfigLoader.parse("""
                storage: { root: /srv/nvr, segment_seconds: "120", retention: { max_bytes: 1000 } }
                sites: [ { id: "01", name: 2024, cameras: [ { id: 007, url: "rtsp://cam/x", name: yes } ] } ]
                """, Map.of());
        assertEquals(Duration.ofSeconds(120), config.storage().segmentDuration());
        assertEquals(OptionalLong.of(1000), config.storage().retention().maxBytes());
        assertEquals("01", config.sites().get(0).id());
        assertEquals("2024", config.sites().get(0).name());
        assertEquals("yes", config.camera("007").orElseThrow().name());
    }

    @Test
    void substitutesTheEnvironmentInEveryValue() throws ConfigException {
        Map<String, String> env = Map.of("ROOT", "/data", "SEG", "90", "KEEP", "7d", "SITE", "east",
                "NAME", "Cổng", "HOST", "10.0.0.5", "LISTEN", "0.0.0.0:9108");
        NvrConfig config = ConfigLoader.parse("""
                storage: { root: "${ROOT}/nvr", segment_seconds: "${SEG}", retention: { max_age: "${KEEP}" } }
                metrics: { listen: "${LISTEN}" }
                sites: [ { id: "${SITE}", cameras: [ { id: c1, name: "${NAME} $${NOT_A_VAR}", url: "rtsp://${HOST}/x" } ] } ]
                """, env);
        assertEquals(Path.of("/data/nvr"), config.storage().root());
        assertEquals(Duration.ofSeconds(90), config.storage().segmentDuration());
        assertEquals(Optional.of(Duration.ofDays(7)), config.storage().retention().maxAge());
        assertEquals(new MetricsConfig("0.0.0.0", 9108), config.metrics());
        assertEquals("east", config.sites().get(0).id());
        assertEquals("Cổng ${NOT_A_VAR}", config.camera("c1").orElseThrow().name());
        assertEquals("10.0.0.5", config.camera("c1").orElseThrow().url().getHost());
    }

    @Test
    void metricsAuthHoldsAUserAndAPasswordHash() throws ConfigException {
        String hash = "pbkdf2-sha256:100000:c2FsdHNhbHRzYWx0c2FsdA==:" + "q".repeat(43) + "=";
        NvrConfig config = ConfigLoader.parse("""
                storage: { root: /srv/nvr }
                metrics:
                  listen: 0.0.0.0:9108
                  auth: { username: prometheus, password_hash: "${SCRAPE_HASH}" }
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://cam/x" } ] } ]
                """, Map.of("SCRAPE_HASH", hash));
        MetricsAuth auth = config.metrics().auth().orElseThrow();
        assertEquals("prometheus", auth.username());
        assertEquals(hash, auth.passwordHash().text());
        assertEquals(100_000, auth.passwordHash().iterations());
        assertEquals(32, auth.passwordHash().hash().length);
        assertEquals("0.0.0.0:9108", config.metrics().listen());
        assertFalse(config.toString().contains("qqqq"), "the hash stays out of toString");
        assertEquals(Optional.empty(), ConfigLoader.parse("""
                storage: { root: /srv/nvr }
                metrics: { listen: 0.0.0.0:9108 }
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://cam/x" } ] } ]
                """, Map.of()).metrics().auth());
    }

    @Test
    void metricsLimitsDefaultToTodaysValuesAndAreRead() throws ConfigException {
        String base = """
                storage: { root: /srv/nvr }
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://cam/x" } ] } ]
                """;
        assertEquals(HttpLimits.METRICS, ConfigLoader.parse(base, Map.of()).metrics().limits());
        assertEquals(new HttpLimits(64, 8, 8 * 1024, 8 * 1024, Duration.ofSeconds(60), Duration.ofSeconds(10), 5,
                Duration.ofMinutes(1)), HttpLimits.METRICS, "today's values");
        HttpLimits read = ConfigLoader.parse(base + "metrics: { limits: { max_connections: 16, "
                + "max_connections_per_address: 4, idle_timeout: 30s, login_failures: 3 } }\n", Map.of()).metrics().limits();
        assertEquals(new HttpLimits(16, 4, 8 * 1024, 8 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(10), 3,
                Duration.ofMinutes(1)), read);
    }

    @Test
    void aPasswordHashCostAboveTheCapIsRefusedByName() throws ConfigException {
        // Each wrong guess at /metrics costs one derivation at this cost: a huge cost set by mistake
        // (or by someone editing the file) would let a few clients take a core.
        String yaml = """
                storage: { root: /srv/nvr }
                metrics:
                  auth: { username: prometheus, password_hash: "pbkdf2-sha256:%d:c2FsdHNhbHRzYWx0c2FsdA==:%s=" }
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://cam/x" } ] } ]
                """;
        String hash = "q".repeat(43);
        assertEquals(PasswordHash.MAX_ITERATIONS, ConfigLoader.parse(yaml.formatted(PasswordHash.MAX_ITERATIONS, hash),
                Map.of()).metrics().auth().orElseThrow().passwordHash().iterations());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse(yaml.formatted(PasswordHash.MAX_ITERATIONS + 1, hash), Map.of()));
        assertEquals("metrics.auth.password_hash", e.key());
        assertTrue(e.getMessage().contains((PasswordHash.MAX_ITERATIONS + 1) + " iterations is above the limit of "
                + PasswordHash.MAX_ITERATIONS), e.getMessage());
        assertFalse(e.getMessage().contains("qqqq"), e.getMessage());
    }

    @Test
    void missingVariableNamesKeyAndVariableButNoValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(FULL,
                Map.of("CAM01_USER", "admin", "CAM02_USER", "viewer", "CAM02_PASS", "TopSecret")));
        assertEquals("sites[0].cameras[0].url", e.key());
        assertEquals("sites[0].cameras[0].url: missing environment variable CAM01_PASS", e.getMessage());
        assertFalse(e.getMessage().contains("admin"));
    }

    @Test
    void percentEncodedUserInfoSurvives() throws ConfigException {
        CameraConfig literal = ConfigLoader.parse("""
                storage: { root: /srv/nvr }
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://admin:p%40ss%3A%23%2F%25@1.2.3.4:554/x" } ] } ]
                """, Map.of()).camera("c1").orElseThrow();
        CameraConfig fromEnv = ConfigLoader.parse(FULL, ENV).camera("cam-01").orElseThrow();

        for (CameraConfig camera : List.of(literal, fromEnv)) {
            assertEquals(null, camera.url().getRawUserInfo(), "credentials are kept apart from the URL");
            assertEquals(Optional.of("admin"), camera.effectiveUsername());
            assertEquals(Optional.of("p@ss:#/%"), camera.effectivePassword());
            assertFalse(camera.toString().contains("p%40ss"), camera.toString());
            assertFalse(camera.redactedUrl().contains("admin"), camera.redactedUrl());
        }
        assertEquals("rtsp://***@1.2.3.4:554/x", literal.redactedUrl());
    }

    @Test
    void userInfoIsSplitBeforeDecoding() throws ConfigException {
        CameraConfig camera = ConfigLoader.parse("""
                storage: { root: /srv/nvr }
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://us%3Aer:a+b%20c%C3%B4:d@cam/x" } ] } ]
                """, Map.of()).camera("c1").orElseThrow();
        assertEquals(Optional.of("us:er"), camera.effectiveUsername());
        assertEquals(Optional.of("a+b c\u00f4:d"), camera.effectivePassword());
    }

    @Test
    void separateCredentialsTakePrecedenceOverUserInfo() throws ConfigException {
        CameraConfig camera = ConfigLoader.parse("""
                storage: { root: /srv/nvr }
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://old:oldpass@cam/x", password: "n3w@/#pass" } ] } ]
                """, Map.of()).camera("c1").orElseThrow();
        assertEquals(Optional.of("old"), camera.effectiveUsername());
        assertEquals(Optional.of("n3w@/#pass"), camera.effectivePassword());
        assertFalse(camera.toString().contains("n3w"));
    }

    @Test
    void loadsAFileAndResolvesARelativeRootAgainstItsDirectoryWithoutWriting(@TempDir Path dir)
            throws IOException, ConfigException {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path file = Files.writeString(etc.resolve("nvr.yaml"), """
                storage: { root: ../footage }
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://cam/x" } ] } ]
                """);
        List<Path> before = listAll(dir);

        NvrConfig config = ConfigLoader.load(file, Map.of());

        assertEquals(dir.toAbsolutePath().resolve("footage"), config.storage().root());
        assertEquals(before, listAll(dir));
        assertFalse(Files.exists(config.storage().root()));
    }

    @Test
    void loadsTheExampleConfig() throws ConfigException {
        Path example = Path.of("..", "config", "nvr.example.yaml");
        NvrConfig config = ConfigLoader.load(example, ENV);

        assertEquals(2, config.sites().size());
        assertEquals(3, config.cameras().count());
        assertTrue(config.storage().root().isAbsolute());
        CameraConfig cam01 = config.camera("cam-01").orElseThrow();
        assertEquals(Optional.of("p@ss:#/%"), cam01.effectivePassword());
        CameraConfig cam02 = config.camera("cam-02").orElseThrow();
        assertEquals(Optional.of("raw@pass/with#chars"), cam02.effectivePassword());
        assertEquals(Optional.of("Cho2Secret"), config.camera("cho-thon-2").orElseThrow().effectivePassword());
        for (String secret : List.of("p%40ss", "raw@pass", "Cho2Secret")) {
            assertFalse(config.toString().contains(secret), "toString shows " + secret);
        }
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        Path file = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertEquals("", e.key());
        assertEquals("config file not found: " + file.toAbsolutePath(), e.getMessage());
    }

    @Test
    void directoryIsNamed(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir, Map.of()));
        assertTrue(e.getMessage().startsWith("cannot read config file " + dir.toAbsolutePath()), e.getMessage());
    }

    @Test
    void nonUtf8FileIsNamed(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("nvr.yaml"), "storage: { root: /srv/caf\u00e9 }".getBytes(StandardCharsets.ISO_8859_1));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertEquals("config file " + file + " is not valid UTF-8 text", e.getMessage());
    }

    @Test
    void yamlSyntaxErrorGivesFileLineAndColumn(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("nvr.yaml"), """
                storage:
                  root: /srv/nvr
                 sites: []
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Map.of()));
        assertEquals("", e.key());
        assertTrue(e.getMessage().startsWith(file + ": line 3, column 2: "), e.getMessage());
    }

    @Test
    void duplicateKeysAreRejectedWithTheirLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                storage: { root: /srv/nvr }
                sites:
                  - id: s1
                    cameras: [ { id: c1, url: "rtsp://cam/x" } ]
                    id: s2
                """, Map.of()));
        assertTrue(e.getMessage().startsWith("line 5, column 5: found duplicate key id"), e.getMessage());
    }

    @Test
    void yamlIsNotResolvedAgainstTheProcessEnvironment() throws ConfigException {
        // snakeyaml's own ${VAR} support would read System.getenv(); only the given map may be used.
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                storage:
                  root: ${PATH}
                sites: [ { id: s1, cameras: [ { id: c1, url: "rtsp://cam/x" } ] } ]
                """, Map.of()));
        assertEquals("storage.root: missing environment variable PATH", e.getMessage());
    }

    private static List<Path> listAll(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.sorted().toList();
        }
    }
}
