package org.nvr.metrics;

import org.nvr.config.MetricsAuth;
import org.nvr.config.PasswordHash;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * HTTP Basic credentials for {@link MetricsServer}: one user name and a salted PBKDF2-HMAC-SHA256
 * hash of the password, stored as {@code pbkdf2-sha256:ITERATIONS:SALT:HASH} ({@link PasswordHash}),
 * so the configuration never holds the password itself. {@link #hash(char[])} makes such a string.
 *
 * <p>Threads: any; immutable. {@link #accepts} costs one PBKDF2 derivation (tens of milliseconds at
 * {@link #DEFAULT_ITERATIONS}), so it must not run on an event loop: {@link CredentialCheck} runs it
 * on its own bounded threads, remembers accepted headers and throttles guessers.
 */
public final class BasicAuth {
    public static final int DEFAULT_ITERATIONS = 100_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = PasswordHash.HASH_BYTES * 8;

    private final byte[] user;
    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private BasicAuth(String user, int iterations, byte[] salt, byte[] hash) {
        this.user = user.getBytes(StandardCharsets.UTF_8);
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /**
     * Credentials for {@code user} with a password hashed by {@link #hash(char[])}.
     *
     * @throws IllegalArgumentException if {@code storedHash} is not in that format (the message never
     *                                  repeats it)
     */
    public static BasicAuth of(String user, String storedHash) {
        return of(user, PasswordHash.parse(storedHash));
    }

    public static BasicAuth of(String user, PasswordHash storedHash) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(storedHash, "storedHash");
        if (user.isEmpty() || user.indexOf(':') >= 0) {
            throw new IllegalArgumentException("user must be non-empty and contain no ':'");
        }
        return new BasicAuth(user, storedHash.iterations(), storedHash.salt(), storedHash.hash());
    }

    /** The credentials of {@code metrics.auth}. */
    public static BasicAuth of(MetricsAuth auth) {
        return of(auth.username(), auth.passwordHash());
    }

    /** A storable hash of {@code password} with a fresh random salt and {@link #DEFAULT_ITERATIONS}. */
    public static String hash(char[] password) {
        return hash(password, DEFAULT_ITERATIONS);
    }

    /** A storable hash of {@code password} with a fresh random salt and the given PBKDF2 cost. */
    public static String hash(char[] password, int iterations) {
        if (password.length == 0) {
            throw new IllegalArgumentException("password must not be empty");
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive");
        }
        byte[] salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        return PasswordHash.of(iterations, salt, derive(password, salt, iterations)).text();
    }

    /** Whether an {@code Authorization} header value carries this user and password. */
    public boolean accepts(String authorization) {
        if (authorization == null || authorization.length() < 6
                || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(authorization.substring(6).strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = indexOf(decoded, (byte) ':');
        if (colon < 0) {
            return false;
        }
        CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(decoded, colon + 1, decoded.length - colon - 1));
        char[] password = new char[chars.remaining()];
        chars.get(password);
        Arrays.fill(chars.array(), '\0');
        try {
            if (password.length == 0) {
                return false;
            }
            // Both comparisons always run, so timing does not tell which part was wrong.
            boolean userMatches = MessageDigest.isEqual(user, Arrays.copyOf(decoded, colon));
            boolean passwordMatches = MessageDigest.isEqual(hash, derive(password, salt, iterations));
            return userMatches && passwordMatches;
        } finally {
            Arrays.fill(password, '\0');
            Arrays.fill(decoded, (byte) 0);
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 unavailable", e);
        } finally {
            spec.clearPassword();
        }
    }

    private static int indexOf(byte[] bytes, byte wanted) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "BasicAuth[user=" + new String(user, StandardCharsets.UTF_8) + "]";
    }
}
