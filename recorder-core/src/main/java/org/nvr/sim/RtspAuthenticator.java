package org.nvr.sim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.nvr.rtsp.AuthChallenge;

/**
 * Checks the {@code Authorization} header of RTSP requests against one user and password, and
 * writes the {@code WWW-Authenticate} challenge for a 401 reply. Digest uses MD5 without qop, the
 * variant IP cameras commonly offer and FFmpeg answers.
 *
 * <p>Immutable; any thread. The nonce is fixed for the authenticator's life, which is enough for a
 * simulator and lets a client reuse it across requests.
 */
final class RtspAuthenticator {

    static final String REALM = "nvr-simulator";

    private final String user;
    private final String password;
    private final AuthScheme scheme;
    private final String nonce;

    RtspAuthenticator(String user, String password, AuthScheme scheme) {
        this.user = user;
        this.password = password;
        this.scheme = scheme;
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        this.nonce = HexFormat.of().formatHex(random);
    }

    String challenge() {
        return switch (scheme) {
            case BASIC -> "Basic realm=\"" + REALM + "\"";
            case DIGEST -> "Digest realm=\"" + REALM + "\", nonce=\"" + nonce + "\"";
        };
    }

    boolean accepts(String method, String authorization) {
        if (authorization == null) {
            return false;
        }
        return switch (scheme) {
            case BASIC -> acceptsBasic(authorization);
            case DIGEST -> acceptsDigest(method, authorization);
        };
    }

    private boolean acceptsBasic(String authorization) {
        if (!authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] expected = (user + ":" + password).getBytes(StandardCharsets.UTF_8);
        try {
            byte[] given = Base64.getDecoder().decode(authorization.substring(6).trim());
            return MessageDigest.isEqual(expected, given);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private boolean acceptsDigest(String method, String authorization) {
        if (!authorization.regionMatches(true, 0, "Digest ", 0, 7)) {
            return false;
        }
        List<AuthChallenge> parsed = AuthChallenge.parseAll(List.of(authorization));
        if (parsed.size() != 1) {
            return false;
        }
        AuthChallenge fields = parsed.get(0); // same syntax as a challenge: a scheme and its parameters
        String uri = fields.get("uri");
        String response = fields.get("response");
        if (uri == null || response == null || !user.equals(fields.get("username"))
                || !REALM.equals(fields.get("realm")) || !nonce.equals(fields.get("nonce"))) {
            return false;
        }
        String ha1 = md5(user + ":" + REALM + ":" + password);
        String ha2 = md5(method + ":" + uri);
        String expected = md5(ha1 + ":" + nonce + ":" + ha2);
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                response.toLowerCase().getBytes(StandardCharsets.US_ASCII));
    }

    private static String md5(String text) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            return HexFormat.of().formatHex(md5.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM", e);
        }
    }
}
