package org.nvr.web;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.nvr.config.PasswordHash;
import org.nvr.config.WebConfig;
import org.nvr.metrics.BasicAuth;

/**
 * The users of {@code web.users} and the full check of a Basic {@code Authorization} value against
 * them (one PBKDF2 derivation; an unknown name costs the same, so timing does not tell which names
 * exist). The login form's fields are checked as the header they would make ({@link #basic}), so that
 * the form and scripts share one check, its throttle and its cache. Immutable; any thread.
 */
final class WebUsers {
    private final Map<String, WebConfig.User> users = new HashMap<>();
    private final Map<String, BasicAuth> checks = new HashMap<>();
    private final BasicAuth decoy;

    WebUsers(WebConfig config) {
        for (WebConfig.User u : config.users()) {
            users.put(u.name(), u);
            checks.put(u.name(), BasicAuth.of(u.name(), u.passwordHash()));
        }
        PasswordHash any = config.users().get(0).passwordHash();
        decoy = BasicAuth.of("\u0000no-such-user", any);
    }

    /** The header value a form login with these fields makes. */
    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The full check (slow): whether the header names a configured user and that user's password. */
    boolean accepts(String authorization) {
        Optional<String> name = name(authorization);
        BasicAuth check = name.map(checks::get).orElse(null);
        if (check == null) {
            decoy.accepts(authorization);
            return false;
        }
        return check.accepts(authorization);
    }

    /** The configured user a Basic header names (cheap, no check of the password). */
    Optional<WebConfig.User> user(String authorization) {
        return name(authorization).map(users::get);
    }

    /** A configured user by name. */
    Optional<WebConfig.User> byName(String name) {
        return Optional.ofNullable(users.get(name));
    }

    private static Optional<String> name(String authorization) {
        if (authorization == null || authorization.length() < 6
                || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).strip()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? Optional.empty() : Optional.of(decoded.substring(0, colon));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
