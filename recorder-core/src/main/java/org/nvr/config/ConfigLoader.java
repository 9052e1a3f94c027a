package org.nvr.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the YAML configuration described in CONTRACT.md into an {@link NvrConfig}: substitutes
 * {@code ${NAME}} from the given environment, applies defaults and validates every value, failing on
 * the first problem with a {@link ConfigException} that names the key. It only reads: nothing is
 * created or written, not even the storage root. Stateless; safe from any thread.
 */
public final class ConfigLoader {
    public static final int MIN_SEGMENT_SECONDS = 2;
    public static final int MAX_SEGMENT_SECONDS = 3600;
    /** A configuration of hundreds of cameras is some tens of KiB; anything over this is not one. */
    static final int MAX_FILE_BYTES = 1024 * 1024;

    private ConfigLoader() {
    }

    /**
     * Loads a configuration file; a relative {@code storage.root} resolves against the file's directory.
     *
     * @param env the environment for {@code ${NAME}}, usually {@code System.getenv()}
     */
    public static NvrConfig load(Path file, Map<String, String> env) throws ConfigException {
        Path absolute = file.toAbsolutePath().normalize();
        return parse(read(absolute), env, absolute.getParent(), absolute.toString());
    }

    /** Parses configuration text; a relative {@code storage.root} resolves against the working directory. */
    public static NvrConfig parse(String yaml, Map<String, String> env) throws ConfigException {
        return parse(yaml, env, Path.of("").toAbsolutePath(), null);
    }

    private static NvrConfig parse(String yaml, Map<String, String> env, Path baseDir, String source)
            throws ConfigException {
        Section root = Section.root(YamlReader.read(yaml, source), Map.copyOf(env))
                .allowOnly("storage", "metrics", "sites", "web", "replication");
        StorageConfig storage = storage(root.requiredSection("storage"), baseDir);
        Optional<Section> metricsSection = root.section("metrics");
        MetricsConfig metrics = metricsSection.isPresent() ? metrics(metricsSection.get()) : MetricsConfig.DEFAULT;
        List<SiteConfig> sites = new SiteReader().read(root);
        Optional<Section> webSection = root.section("web");
        Optional<WebConfig> web = webSection.isPresent()
                ? Optional.of(WebConfigReader.read(webSection.get(), baseDir)) : Optional.empty();
        Optional<Section> replicationSection = root.section("replication");
        java.util.Set<String> cameraIds = sites.stream().flatMap(s -> s.cameras().stream()).map(CameraConfig::id)
                .collect(java.util.stream.Collectors.toSet());
        Optional<ReplicationConfig> replication = replicationSection.isPresent()
                ? Optional.of(ReplicationConfigReader.read(replicationSection.get(), baseDir, cameraIds))
                : Optional.empty();
        return new NvrConfig(storage, metrics, sites, web, replication);
    }

    /**
     * Reads the file as UTF-8. Only a regular file of at most {@link #MAX_FILE_BYTES} is read: a device
     * ({@code /dev/zero}), a FIFO or a huge file would otherwise block or exhaust memory.
     */
    private static String read(Path file) throws ConfigException {
        try {
            if (Files.exists(file) && !Files.isDirectory(file) && !Files.isRegularFile(file)) {
                throw new ConfigException("", "config file " + file + " is not a regular file");
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ConfigException("", "config file " + file + " is too large (over "
                        + MAX_FILE_BYTES / 1024 + " KiB): is it the right file?");
            }
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new ConfigException("", "config file not found: " + file);
        } catch (AccessDeniedException e) {
            throw new ConfigException("", "cannot read config file " + file + ": permission denied");
        } catch (CharacterCodingException e) {
            throw new ConfigException("", "config file " + file + " is not valid UTF-8 text");
        } catch (IOException e) {
            String reason = Files.isDirectory(file) ? "it is a directory" : String.valueOf(e.getMessage());
            throw new ConfigException("", "cannot read config file " + file + ": " + reason, e);
        }
    }

    private static StorageConfig storage(Section storage, Path baseDir) throws ConfigException {
        storage.allowOnly("root", "segment_seconds", "retention");
        Path root = storage.value("root", text -> root(text, baseDir)).orElseThrow(() -> storage.missing("root"));
        int segmentSeconds = storage.value("segment_seconds", ConfigLoader::segmentSeconds,
                (int) StorageConfig.DEFAULT_SEGMENT.toSeconds());
        return new StorageConfig(root, Duration.ofSeconds(segmentSeconds), retention(storage, true));
    }

    private static Path root(String text, Path baseDir) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        if (text.startsWith("~")) {
            throw new IllegalArgumentException("\"" + text + "\": '~' is not expanded; write the full path");
        }
        try {
            return baseDir.resolve(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("invalid path \"" + text + "\": " + e.getReason());
        }
    }

    private static int segmentSeconds(String text) {
        int seconds;
        try {
            seconds = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid number \"" + text + "\": expected whole seconds from "
                    + MIN_SEGMENT_SECONDS + " to " + MAX_SEGMENT_SECONDS);
        }
        if (seconds < MIN_SEGMENT_SECONDS || seconds > MAX_SEGMENT_SECONDS) {
            throw new IllegalArgumentException(seconds + " is out of range (expected " + MIN_SEGMENT_SECONDS
                    + " to " + MAX_SEGMENT_SECONDS + ")");
        }
        return seconds;
    }

    private static MetricsConfig metrics(Section metrics) throws ConfigException {
        metrics.allowOnly("listen", "auth", "limits");
        MetricsConfig listen = metrics.value("listen", MetricsConfig::parse, MetricsConfig.DEFAULT)
                .withLimits(HttpLimitsReader.read(metrics, HttpLimits.METRICS));
        Optional<Section> auth = metrics.section("auth");
        return auth.isPresent() ? listen.withAuth(Optional.of(metricsAuth(auth.get()))) : listen;
    }

    /** {@code metrics.auth: { username, password_hash }}; a plain {@code password} is refused by name. */
    private static MetricsAuth metricsAuth(Section auth) throws ConfigException {
        if (auth.has("password")) {
            throw new ConfigException(auth.keyPath("password"), "a plain password is not accepted; "
                    + "store its hash as password_hash (made by 'nvr hash-password')");
        }
        auth.allowOnly("username", "password_hash");
        String username = auth.requiredString("username");
        if (username.indexOf(':') >= 0) {
            throw new ConfigException(auth.keyPath("username"), "must not contain ':'");
        }
        PasswordHash hash = auth.value("password_hash", PasswordHash::parse)
                .orElseThrow(() -> auth.missing("password_hash"));
        return new MetricsAuth(username, hash);
    }

    /**
     * The {@code retention} mapping of {@code owner}; {@code min_free_bytes} is only allowed globally
     * because free space belongs to the filesystem, not to one camera.
     */
    static Retention retention(Section owner, boolean global) throws ConfigException {
        Optional<Section> found = owner.section("retention");
        if (found.isEmpty()) {
            return Retention.NONE;
        }
        Section retention = found.get();
        if (global) {
            retention.allowOnly("max_bytes", "min_free_bytes", "max_age");
        } else {
            if (retention.has("min_free_bytes")) {
                throw new ConfigException(retention.keyPath("min_free_bytes"), "not allowed per camera: free space "
                        + "belongs to the filesystem; set it under storage.retention");
            }
            retention.allowOnly("max_bytes", "max_age");
        }
        return new Retention(bytes(retention, "max_bytes"), bytes(retention, "min_free_bytes"),
                retention.value("max_age", DurationText::parse));
    }

    private static OptionalLong bytes(Section section, String key) throws ConfigException {
        return section.value(key, ByteSize::parse).map(OptionalLong::of).orElse(OptionalLong.empty());
    }
}
