package org.nvr.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code web:} into a {@link WebConfig}, naming the bad key ({@code web.users[1].role}) on the
 * first problem. Refuses plain HTTP beyond loopback unless {@code insecure_http: true} says the operator
 * means it (passwords and session cookies would cross the network readable), and TLS files that are
 * missing, unreadable or not PEM, so that a wrong path fails at startup rather than at the first
 * browser. Stateless; used on the loading thread.
 */
final class WebConfigReader {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    /** A PEM certificate chain or key is a few KiB; reading more would only read the wrong file. */
    private static final int MAX_PEM_BYTES = 1024 * 1024;

    private WebConfigReader() {
    }

    static WebConfig read(Section web, Path baseDir) throws ConfigException {
        web.allowOnly("listen", "tls", "language", "insecure_http", "users", "limits");
        MetricsConfig listen = web.value("listen", MetricsConfig::parse,
                new MetricsConfig("127.0.0.1", WebConfig.DEFAULT_PORT));
        String language = web.value("language", WebConfigReader::language, "vi");
        boolean insecure = web.value("insecure_http", WebConfigReader::bool, false);
        Optional<Section> tlsSection = web.section("tls");
        Optional<WebConfig.Tls> tls = tlsSection.isPresent()
                ? Optional.of(tls(tlsSection.get(), baseDir)) : Optional.empty();
        if (tls.isEmpty() && !insecure && !loopback(listen.host())) {
            throw new ConfigException(web.keyPath("listen"), "plain HTTP on " + listen.listen() + " would send "
                    + "passwords and session cookies readable over the network; configure web.tls (cert, key), "
                    + "listen on 127.0.0.1, or set web.insecure_http: true if you mean it");
        }
        return new WebConfig(listen.host(), listen.port(), tls, language, insecure, users(web),
                HttpLimitsReader.read(web, HttpLimits.WEB));
    }

    private static List<WebConfig.User> users(Section web) throws ConfigException {
        if (!web.has("users") || web.sections("users").isEmpty()) {
            throw new ConfigException(web.keyPath("users"), "missing (required): at least one user "
                    + "{name, role, password_hash} who may log in");
        }
        List<WebConfig.User> users = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Section user : web.sections("users")) {
            if (user.has("password")) {
                throw new ConfigException(user.keyPath("password"), "a plain password is not accepted; "
                        + "store its hash as password_hash (made by 'nvr hash-password')");
            }
            user.allowOnly("name", "role", "password_hash");
            String name = user.requiredString("name");
            if (name.indexOf(':') >= 0) {
                throw new ConfigException(user.keyPath("name"), "must not contain ':'");
            }
            if (!names.add(name)) {
                throw new ConfigException(user.keyPath("name"), "duplicate user \"" + name + "\"");
            }
            WebConfig.Role role = user.value("role", WebConfigReader::role).orElseThrow(() -> user.missing("role"));
            PasswordHash hash = user.value("password_hash", PasswordHash::parse)
                    .orElseThrow(() -> user.missing("password_hash"));
            users.add(new WebConfig.User(name, role, hash));
        }
        return users;
    }

    private static WebConfig.Tls tls(Section tls, Path baseDir) throws ConfigException {
        tls.allowOnly("cert", "key");
        Path cert = tls.value("cert", text -> pem(text, baseDir, "CERTIFICATE"))
                .orElseThrow(() -> tls.missing("cert"));
        Path key = tls.value("key", text -> pem(text, baseDir, "PRIVATE KEY"))
                .orElseThrow(() -> tls.missing("key"));
        return new WebConfig.Tls(cert, key);
    }

    /** The path of a readable PEM file holding a block whose label ends with {@code label}. */
    private static Path pem(String text, Path baseDir, String label) {
        Path file;
        try {
            file = baseDir.resolve(text.strip()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("invalid path \"" + text + "\": " + e.getReason());
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("\"" + text + "\": no such file");
        }
        String content;
        try (InputStream in = Files.newInputStream(file)) {
            content = new String(in.readNBytes(MAX_PEM_BYTES), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("\"" + text + "\": cannot read it (" + e.getClass().getSimpleName()
                    + "); the recorder's user must be able to read it");
        }
        if (!Pattern.compile("-----BEGIN [A-Z ]*" + label + "-----").matcher(content).find()) {
            throw new IllegalArgumentException("\"" + text + "\": not a PEM file with a " + label + " block");
        }
        return file;
    }

    private static WebConfig.Role role(String text) {
        try {
            return WebConfig.Role.valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown role \"" + text + "\" (expected viewer, operator or admin)");
        }
    }

    private static String language(String text) {
        String lang = text.strip().toLowerCase(Locale.ROOT);
        if (!lang.equals("vi") && !lang.equals("en")) {
            throw new IllegalArgumentException("unknown language \"" + text + "\" (expected vi or en)");
        }
        return lang;
    }

    private static boolean bool(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false, not \"" + text + "\"");
        };
    }

    /** Whether {@code host} is a loopback name or literal; other names are not resolved (no DNS at load). */
    static boolean loopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (IPV4.matcher(host).matches()) {
            return host.startsWith("127.");
        }
        return host.equals("::1") || host.equalsIgnoreCase("0:0:0:0:0:0:0:1");
    }
}
