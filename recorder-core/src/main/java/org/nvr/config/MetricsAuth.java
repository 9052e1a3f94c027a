package org.nvr.config;

import java.util.Objects;

/**
 * HTTP Basic credentials a scraper must present for {@code /metrics}: {@code metrics.auth} in the
 * configuration. Only a hash of the password is ever configured.
 *
 * @param username     no ':' (Basic auth cannot carry one), not empty
 * @param passwordHash made by {@code nvr hash-password}
 */
public record MetricsAuth(String username, PasswordHash passwordHash) {
    public MetricsAuth {
        Objects.requireNonNull(passwordHash, "passwordHash");
        if (username == null || username.isEmpty() || username.indexOf(':') >= 0) {
            throw new IllegalArgumentException("username must be non-empty and contain no ':'");
        }
    }
}
