package org.nvr.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The browser-facing server of {@code web:}: where it listens, its TLS certificate, the page's default
 * language and who may log in. Absent from {@link NvrConfig} when the configuration has no {@code web:}
 * (the server is off). Immutable.
 *
 * @param host         literal address or host name to bind; IPv6 without brackets
 * @param port         TCP port, 0 picks a free one
 * @param tls          certificate and key (PEM); empty: plain HTTP, allowed off loopback only with
 *                     {@code insecureHttp}
 * @param language     {@code vi} or {@code en}
 * @param insecureHttp the operator's explicit consent to plain HTTP beyond loopback
 * @param users        at least one; names unique
 * @param limits       what clients may cost ({@code web.limits}, default {@link HttpLimits#WEB})
 */
public record WebConfig(String host, int port, Optional<Tls> tls, String language, boolean insecureHttp,
                        List<User> users, HttpLimits limits) {
    public static final int DEFAULT_PORT = 8080;

    public WebConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(limits, "limits");
        users = List.copyOf(users);
    }

    /** With the default limits. */
    public WebConfig(String host, int port, Optional<Tls> tls, String language, boolean insecureHttp,
                     List<User> users) {
        this(host, port, tls, language, insecureHttp, users, HttpLimits.WEB);
    }

    /** {@code web.tls}: PEM files, checked to exist and be readable when the configuration is loaded. */
    public record Tls(Path cert, Path key) {
        public Tls {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        }
    }

    /** What a user may do; each role may do everything the one before it may. */
    public enum Role {
        /** Live wall, timeline, playback. */
        VIEWER,
        /** + export, snapshot, holds. */
        OPERATOR,
        /** + uptime, audit, camera settings. */
        ADMIN;

        public boolean allows(Role needed) {
            return compareTo(needed) >= 0;
        }

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One entry of {@code web.users}.
     *
     * @param name         no ':' (HTTP Basic cannot carry one), not empty
     * @param passwordHash made by {@code nvr hash-password}
     */
    public record User(String name, Role role, PasswordHash passwordHash) {
        public User {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(passwordHash, "passwordHash");
            if (name == null || name.isEmpty() || name.indexOf(':') >= 0) {
                throw new IllegalArgumentException("name must be non-empty and contain no ':'");
            }
        }
    }

    public Optional<User> user(String name) {
        return users.stream().filter(u -> u.name().equals(name)).findFirst();
    }

    public String listen() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
