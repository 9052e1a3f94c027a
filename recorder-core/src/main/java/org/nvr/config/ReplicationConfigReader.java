package org.nvr.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code replication:} into a {@link ReplicationConfig}, naming the bad key on the first problem.
 * The secret key must come from the environment ({@code ${S3_SECRET_KEY}}) or from
 * {@code credentials_file} (the AWS CLI's INI form, {@code aws_access_key_id} and
 * {@code aws_secret_access_key} of the profile {@code [default]} or of {@code profile}); a secret
 * written into the configuration itself is refused, and no message ever quotes a credential. The
 * secret is handed to {@link KnownSecrets} so that no log line can show it. Stateless.
 */
final class ReplicationConfigReader {
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9!_.*'()/-]*");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");
    private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([A-Za-z]+)\\s*/\\s*s");
    private static final Map<String, Double> RATE_UNITS = Map.ofEntries(
            Map.entry("bit", 1 / 8.0), Map.entry("kbit", 1e3 / 8), Map.entry("mbit", 1e6 / 8), Map.entry("gbit", 1e9 / 8),
            Map.entry("b", 1.0), Map.entry("kb", 1e3), Map.entry("mb", 1e6), Map.entry("gb", 1e9),
            Map.entry("kib", 1024.0), Map.entry("mib", 1024.0 * 1024));
    /** A credentials file is a few lines; more is the wrong file. */
    private static final int MAX_CREDENTIALS_BYTES = 64 * 1024;

    private ReplicationConfigReader() {
    }

    static ReplicationConfig read(Section r, Path baseDir, Set<String> cameraIds) throws ConfigException {
        r.allowOnly("endpoint", "bucket", "region", "access_key", "secret_key", "credentials_file", "profile",
                "prefix", "copy", "cameras", "max_rate", "object_lock");
        URI endpoint = r.value("endpoint", ReplicationConfigReader::endpoint).orElseThrow(() -> r.missing("endpoint"));
        String bucket = r.value("bucket", ReplicationConfigReader::bucket).orElseThrow(() -> r.missing("bucket"));
        String region = r.value("region", ReplicationConfigReader::region, "us-east-1");
        String[] keys = credentials(r, baseDir);
        String prefix = r.value("prefix", ReplicationConfigReader::prefix, "");
        ReplicationConfig.Copy copy = r.value("copy", ReplicationConfigReader::copy, ReplicationConfig.Copy.HOLDS);
        List<String> cameras = cameras(r, copy, cameraIds);
        OptionalLong maxRate = r.value("max_rate", ReplicationConfigReader::rate)
                .map(OptionalLong::of).orElse(OptionalLong.empty());
        Optional<Section> lock = r.section("object_lock");
        Optional<ReplicationConfig.ObjectLock> objectLock = lock.isPresent()
                ? Optional.of(objectLock(lock.get())) : Optional.empty();
        KnownSecrets.remember(keys[1]);
        return new ReplicationConfig(endpoint, bucket, region, keys[0], keys[1], prefix, copy, cameras, maxRate,
                objectLock);
    }

    /** {access, secret}. */
    private static String[] credentials(Section r, Path baseDir) throws ConfigException {
        boolean inline = r.has("access_key") || r.has("secret_key");
        if (r.has("credentials_file")) {
            if (inline) {
                throw new ConfigException(r.keyPath(r.has("secret_key") ? "secret_key" : "access_key"),
                        "give either access_key and secret_key or credentials_file, not both");
            }
            Path file = r.value("credentials_file", text -> path(text, baseDir)).orElseThrow();
            String profile = r.value("profile", text -> text.strip(), "default");
            return credentialsFile(r.keyPath("credentials_file"), file, profile);
        }
        if (r.has("profile")) {
            throw new ConfigException(r.keyPath("profile"), "only used with credentials_file");
        }
        String access = r.requiredString("access_key");
        EnvSubstitution.Result secret = r.scalar("secret_key").orElseThrow(() -> new ConfigException(
                r.keyPath("secret_key"), "missing (required): write secret_key: ${S3_SECRET_KEY} or use credentials_file"));
        if (!secret.substituted()) {
            throw new ConfigException(r.keyPath("secret_key"), "a secret written into the configuration is not "
                    + "accepted; take it from the environment (secret_key: ${S3_SECRET_KEY}) or a credentials_file");
        }
        if (secret.value().isBlank()) {
            throw new ConfigException(r.keyPath("secret_key"), "is empty (environment variable "
                    + secret.uses().get(0).name() + ")");
        }
        return new String[] {access.strip(), secret.value()};
    }

    private static String[] credentialsFile(String key, Path file, String profile) throws ConfigException {
        String text;
        try {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(key, "credentials file " + file + " not found or not a regular file");
            }
            if (Files.size(file) > MAX_CREDENTIALS_BYTES) {
                throw new ConfigException(key, "credentials file " + file + " is too large: is it the right file?");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ConfigException(key, "cannot read credentials file " + file + " (" + e.getClass().getSimpleName()
                    + ")");
        }
        String section = null;
        String access = null;
        String secret = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[") && line.endsWith("]")) {
                section = line.substring(1, line.length() - 1).strip();
                if (section.startsWith("profile ")) {
                    section = section.substring("profile ".length()).strip();
                }
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0 || !profile.equals(section)) {
                continue;
            }
            String name = line.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = line.substring(eq + 1).strip();
            if (name.equals("aws_access_key_id")) {
                access = value;
            } else if (name.equals("aws_secret_access_key")) {
                secret = value;
            }
        }
        if (access == null || access.isEmpty() || secret == null || secret.isEmpty()) {
            throw new ConfigException(key, "credentials file " + file + " has no aws_access_key_id and "
                    + "aws_secret_access_key under [" + profile + "]");
        }
        return new String[] {access, secret};
    }

    private static Path path(String text, Path baseDir) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        try {
            return baseDir.resolve(text.strip()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("invalid path: " + e.getReason());
        }
    }

    private static URI endpoint(String text) {
        if (text.contains("@")) {
            throw new IllegalArgumentException("must not carry credentials; use access_key and secret_key");
        }
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL; expected http(s)://host[:port]");
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("https") || uri.getScheme().equals("http"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("expected http(s)://host[:port], e.g. https://s3.example.org");
        }
        if (uri.getUserInfo() != null) {
            throw new IllegalArgumentException("must not carry credentials; use access_key and secret_key");
        }
        return uri;
    }

    private static String bucket(String text) {
        if (!BUCKET.matcher(text).matches()) {
            throw new IllegalArgumentException("invalid bucket name \"" + text + "\": 3 to 63 characters, "
                    + "lowercase letters, digits, '.' and '-'");
        }
        return text;
    }

    private static String region(String text) {
        if (!REGION.matcher(text).matches()) {
            throw new IllegalArgumentException("invalid region \"" + text + "\" (e.g. us-east-1)");
        }
        return text;
    }

    private static String prefix(String text) {
        if (text.startsWith("/") || text.contains("//") || text.contains("..") || !PREFIX.matcher(text).matches()
                || text.length() > 200) {
            throw new IllegalArgumentException("invalid prefix \"" + text + "\": letters, digits, / - _ . ! * ' ( ), "
                    + "not starting with / (e.g. cam-luong/)");
        }
        return text.isEmpty() || text.endsWith("/") ? text : text + "/";
    }

    private static ReplicationConfig.Copy copy(String text) {
        return switch (text.strip()) {
            case "holds" -> ReplicationConfig.Copy.HOLDS;
            case "all" -> ReplicationConfig.Copy.ALL;
            default -> throw new IllegalArgumentException("invalid value \"" + text + "\" (expected holds or all)");
        };
    }

    private static List<String> cameras(Section r, ReplicationConfig.Copy copy, Set<String> known)
            throws ConfigException {
        Object raw = r.has("cameras") ? r.rawList("cameras") : null;
        if (copy == ReplicationConfig.Copy.HOLDS) {
            if (raw != null) {
                throw new ConfigException(r.keyPath("cameras"), "only used with copy: all");
            }
            return List.of();
        }
        if (!(raw instanceof List<?> list) || list.isEmpty()) {
            throw new ConfigException(r.keyPath("cameras"), "missing (required with copy: all): the camera ids "
                    + "whose every segment is copied");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String key = r.keyPath("cameras") + "[" + i + "]";
            if (!(list.get(i) instanceof String id)) {
                throw new ConfigException(key, "expected a camera id");
            }
            if (!known.contains(id)) {
                throw new ConfigException(key, "no camera \"" + id + "\" is configured");
            }
            if (out.contains(id)) {
                throw new ConfigException(key, "camera \"" + id + "\" is listed twice");
            }
            out.add(id);
        }
        return out;
    }

    /** {@code 2Mbit/s}, {@code 500kbit/s}, {@code 1MB/s}, {@code 256KiB/s}: bytes per second. */
    static long rate(String text) {
        Matcher m = RATE.matcher(text.strip());
        Double unit = m.matches() ? RATE_UNITS.get(m.group(2).toLowerCase(Locale.ROOT)) : null;
        if (unit == null) {
            throw new IllegalArgumentException("invalid rate \"" + text + "\": expected e.g. 2Mbit/s, 512kbit/s, "
                    + "1MB/s or 256KiB/s");
        }
        // "Mb" would be ambiguous (bit or byte?); only the spelled-out bit units mean bits.
        double bytes = Double.parseDouble(m.group(1)) * unit;
        if (bytes < 1024) {
            throw new IllegalArgumentException("invalid rate \"" + text + "\": at least 1KiB/s (8kbit/s)");
        }
        return Math.round(bytes);
    }

    private static ReplicationConfig.ObjectLock objectLock(Section lock) throws ConfigException {
        lock.allowOnly("mode", "days");
        ReplicationConfig.LockMode mode = lock.value("mode", text -> switch (text.strip()) {
            case "compliance" -> ReplicationConfig.LockMode.COMPLIANCE;
            case "governance" -> ReplicationConfig.LockMode.GOVERNANCE;
            default -> throw new IllegalArgumentException("invalid mode \"" + text + "\" (expected compliance or governance)");
        }).orElseThrow(() -> lock.missing("mode"));
        int days = lock.value("days", text -> {
            int d;
            try {
                d = Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid number \"" + text + "\": expected whole days");
            }
            if (d < 1 || d > 36500) {
                throw new IllegalArgumentException(d + " is out of range (expected 1 to 36500)");
            }
            return d;
        }).orElseThrow(() -> lock.missing("days"));
        return new ReplicationConfig.ObjectLock(mode, days);
    }
}
