package org.nvr.config;

import java.util.Base64;

/**
 * A stored password hash, {@code pbkdf2-sha256:ITERATIONS:SALT:HASH} (salt and 32-byte hash in
 * base64), as {@code nvr hash-password} prints it and {@code metrics.auth.password_hash} holds it.
 * Only the format lives here; deriving and checking is {@code org.nvr.metrics.BasicAuth}'s job.
 * {@link #toString()} does not show the hash, which would allow an offline guessing attack.
 * Immutable.
 */
public final class PasswordHash {
    public static final String SCHEME = "pbkdf2-sha256";
    public static final int HASH_BYTES = 32;
    /**
     * The highest PBKDF2 cost accepted: ten times what {@code nvr hash-password} uses. Every wrong
     * guess at {@code /metrics} costs one derivation at the configured cost, so a cost set far too
     * high (by mistake or by someone who can edit the file) would let a few clients take a core.
     */
    public static final int MAX_ITERATIONS = 1_000_000;
    private static final String FORMAT = SCHEME + ":ITERATIONS:SALT:HASH (made by 'nvr hash-password')";

    private final String text;
    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(String text, int iterations, byte[] salt, byte[] hash) {
        this.text = text;
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /**
     * @throws IllegalArgumentException when {@code text} is not in the format, or its cost is above
     *                                  {@link #MAX_ITERATIONS}; the message never repeats the text (a
     *                                  plain password pasted by mistake stays out of logs)
     */
    public static PasswordHash parse(String text) {
        PasswordHash parsed = parseFormat(text);
        if (parsed.iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("a cost of " + parsed.iterations + " iterations is above the limit of "
                    + MAX_ITERATIONS + "; make a new hash with 'nvr hash-password'");
        }
        return parsed;
    }

    private static PasswordHash parseFormat(String text) {
        String[] parts = text == null ? new String[0] : text.strip().split(":", -1);
        try {
            if (parts.length != 4 || !parts[0].equals(SCHEME)) {
                throw new IllegalArgumentException();
            }
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] hash = Base64.getDecoder().decode(parts[3]);
            if (iterations < 1 || salt.length == 0 || hash.length != HASH_BYTES) {
                throw new IllegalArgumentException();
            }
            return new PasswordHash(String.join(":", parts), iterations, salt, hash);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a password hash: expected " + FORMAT);
        }
    }

    /** The stored form of a freshly derived hash. */
    public static PasswordHash of(int iterations, byte[] salt, byte[] hash) {
        Base64.Encoder b64 = Base64.getEncoder();
        return parse(SCHEME + ":" + iterations + ":" + b64.encodeToString(salt) + ":" + b64.encodeToString(hash));
    }

    public int iterations() {
        return iterations;
    }

    public byte[] salt() {
        return salt.clone();
    }

    public byte[] hash() {
        return hash.clone();
    }

    /** The stored form, for the configuration file. */
    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PasswordHash other && other.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return "PasswordHash[" + SCHEME + ", " + iterations + " iterations]";
    }
}
