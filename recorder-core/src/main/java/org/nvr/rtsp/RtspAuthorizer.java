package org.nvr.rtsp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Answers a camera's authentication challenges for one RTSP connection: picks the strongest challenge
 * it can answer (Digest SHA-256, then Digest MD5, then Basic; RFC 7616, RFC 2617, RFC 7617) and writes
 * the {@code Authorization} header of each later request. Digest with {@code qop=auth} counts
 * {@code nc} per nonce and sends a fresh {@code cnonce}; without qop it sends the RFC 2069 form
 * cameras commonly expect. Credentials may hold any character; they are hashed as UTF-8.
 *
 * <p>Not thread-safe: one per connection, used on its event loop. Never logs or prints the password.
 */
public final class RtspAuthorizer {

    private final Credentials credentials;
    private final Supplier<String> cnonces;
    private AuthChallenge chosen;
    private String algorithm;
    private boolean session;
    private int nonceCount;

    /** With random 16-byte hex client nonces. */
    public RtspAuthorizer(Credentials credentials) {
        this(credentials, randomCnonces());
    }

    /** With the given client nonces, for tests that must reproduce a known response. */
    public RtspAuthorizer(Credentials credentials, Supplier<String> cnonces) {
        this.credentials = credentials;
        this.cnonces = cnonces;
    }

    /**
     * Takes the challenges of a 401 response. Returns false when none can be answered (an unknown
     * scheme or algorithm), or when the camera rejected the same nonce again: the credentials are
     * wrong and asking again would only lock the account. A new nonce (RFC 7616 {@code stale}) is fine.
     */
    public boolean challenge(List<AuthChallenge> challenges) {
        AuthChallenge best = null;
        int bestRank = 0;
        for (AuthChallenge c : challenges) {
            int rank = rank(c);
            if (rank > bestRank) {
                best = c;
                bestRank = rank;
            }
        }
        if (best == null) {
            return false;
        }
        boolean repeated = chosen != null && chosen.scheme().equals(best.scheme())
                && String.valueOf(chosen.get("nonce")).equals(String.valueOf(best.get("nonce")))
                && !"true".equalsIgnoreCase(best.get("stale"));
        if (repeated) {
            return false;
        }
        chosen = best;
        String a = Optional.ofNullable(best.get("algorithm")).orElse("MD5").toUpperCase(Locale.ROOT);
        session = a.endsWith("-SESS");
        algorithm = session ? a.substring(0, a.length() - 5) : a;
        nonceCount = 0;
        return true;
    }

    /** Whether a challenge has been taken, so requests carry {@code Authorization}. */
    public boolean isReady() {
        return chosen != null;
    }

    /** The scheme in use ({@code basic}, {@code digest}), empty before any challenge. */
    public String scheme() {
        return chosen == null ? "" : chosen.scheme();
    }

    /** The {@code Authorization} value for a request; empty before any challenge. */
    public Optional<String> authorization(String method, String uri) {
        if (chosen == null) {
            return Optional.empty();
        }
        if (chosen.scheme().equals("basic")) {
            String pair = credentials.user() + ":" + credentials.password();
            return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        return Optional.of(digest(method, uri));
    }

    private String digest(String method, String uri) {
        String realm = Optional.ofNullable(chosen.get("realm")).orElse("");
        String nonce = Optional.ofNullable(chosen.get("nonce")).orElse("");
        boolean qopAuth = qopOffersAuth(chosen.get("qop"));
        String cnonce = qopAuth || session ? cnonces.get() : null;
        String ha1 = hash(credentials.user() + ":" + realm + ":" + credentials.password());
        if (session) {
            ha1 = hash(ha1 + ":" + nonce + ":" + cnonce);
        }
        String ha2 = hash(method + ":" + uri);
        StringBuilder header = new StringBuilder("Digest username=\"").append(quote(credentials.user()))
                .append("\", realm=\"").append(quote(realm))
                .append("\", nonce=\"").append(quote(nonce))
                .append("\", uri=\"").append(quote(uri)).append('"');
        String response;
        if (qopAuth) {
            String nc = String.format("%08x", ++nonceCount);
            response = hash(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
            header.append(", response=\"").append(response).append('"');
            header.append(", algorithm=").append(chosen.get("algorithm") == null ? "MD5" : chosen.get("algorithm"));
            header.append(", qop=auth, nc=").append(nc).append(", cnonce=\"").append(quote(cnonce)).append('"');
        } else {
            response = hash(ha1 + ":" + nonce + ":" + ha2);
            header.append(", response=\"").append(response).append('"');
            if (chosen.get("algorithm") != null) {
                header.append(", algorithm=").append(chosen.get("algorithm"));
            }
            if (cnonce != null) {
                header.append(", cnonce=\"").append(quote(cnonce)).append('"');
            }
        }
        if (chosen.get("opaque") != null) {
            header.append(", opaque=\"").append(quote(chosen.get("opaque"))).append('"');
        }
        return header.toString();
    }

    /** Higher is preferred; 0 cannot be answered. */
    private static int rank(AuthChallenge c) {
        if (c.scheme().equals("basic")) {
            return 1;
        }
        if (!c.scheme().equals("digest") || c.get("nonce") == null) {
            return 0;
        }
        String qop = c.get("qop");
        if (qop != null && !qopOffersAuth(qop)) {
            return 0; // auth-int only: not offered by cameras, not supported here
        }
        return switch (Optional.ofNullable(c.get("algorithm")).orElse("MD5").toUpperCase(Locale.ROOT)) {
            case "SHA-256", "SHA-256-SESS" -> 3;
            case "MD5", "MD5-SESS" -> 2;
            default -> 0;
        };
    }

    private static boolean qopOffersAuth(String qop) {
        if (qop == null) {
            return false;
        }
        for (String option : qop.split(",")) {
            if (option.strip().equalsIgnoreCase("auth")) {
                return true;
            }
        }
        return false;
    }

    private String hash(String text) {
        String jca = algorithm.equals("SHA-256") ? "SHA-256" : "MD5";
        try {
            MessageDigest digest = MessageDigest.getInstance(jca);
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(jca + " is missing from this JVM", e);
        }
    }

    /** A quoted-string's content: backslash before a quote or backslash (RFC 7230 quoted-pair). */
    private static String quote(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static Supplier<String> randomCnonces() {
        SecureRandom random = new SecureRandom();
        return () -> {
            byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            return HexFormat.of().formatHex(bytes);
        };
    }
}
