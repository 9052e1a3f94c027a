package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RtspAuthorizerTest {

    // RFC 7616 section 3.9.1
    private static final Credentials MUFASA = new Credentials("Mufasa", "Circle of Life");
    private static final String RFC_NONCE = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    private static final String RFC_OPAQUE = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";
    private static final String RFC_CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

    private static String rfcChallenge(String algorithm) {
        return "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=" + algorithm
                + ", nonce=\"" + RFC_NONCE + "\", opaque=\"" + RFC_OPAQUE + "\"";
    }

    private static Map<String, String> fields(String authorization) {
        List<AuthChallenge> parsed = AuthChallenge.parseAll(List.of(authorization));
        assertEquals(1, parsed.size(), authorization);
        return parsed.get(0).parameters();
    }

    @Test
    void rfc7616Md5Example() {
        RtspAuthorizer auth = new RtspAuthorizer(MUFASA, () -> RFC_CNONCE);
        assertTrue(auth.challenge(AuthChallenge.parseAll(List.of(rfcChallenge("MD5")))));
        Map<String, String> f = fields(auth.authorization("GET", "/dir/index.html").orElseThrow());
        assertEquals("8ca523f5e9506fed4657c9700eebdbec", f.get("response"));
        assertEquals("00000001", f.get("nc"));
        assertEquals("auth", f.get("qop"));
        assertEquals(RFC_CNONCE, f.get("cnonce"));
        assertEquals(RFC_OPAQUE, f.get("opaque"));
        assertEquals("/dir/index.html", f.get("uri"));
        assertEquals("Mufasa", f.get("username"));
    }

    @Test
    void rfc7616Sha256Example() {
        RtspAuthorizer auth = new RtspAuthorizer(MUFASA, () -> RFC_CNONCE);
        assertTrue(auth.challenge(AuthChallenge.parseAll(List.of(rfcChallenge("SHA-256")))));
        Map<String, String> f = fields(auth.authorization("GET", "/dir/index.html").orElseThrow());
        assertEquals("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", f.get("response"));
        assertEquals("SHA-256", f.get("algorithm"));
    }

    @Test
    void prefersSha256WhenOfferedInOneHeaderOrSeveral() {
        String md5 = rfcChallenge("MD5");
        String sha = rfcChallenge("SHA-256");
        for (List<String> headers : List.of(List.of(md5 + ", " + sha), List.of(md5, sha), List.of("Basic realm=\"x\"", md5, sha),
                List.of(sha + ", Basic realm=\"x\""))) {
            RtspAuthorizer auth = new RtspAuthorizer(MUFASA, () -> RFC_CNONCE);
            assertTrue(auth.challenge(AuthChallenge.parseAll(headers)), headers.toString());
            assertEquals("SHA-256", fields(auth.authorization("GET", "/dir/index.html").orElseThrow()).get("algorithm"),
                    headers.toString());
        }
    }

    @Test
    void digestPreferredOverBasic() {
        RtspAuthorizer auth = new RtspAuthorizer(MUFASA, () -> "c");
        assertTrue(auth.challenge(AuthChallenge.parseAll(List.of("Basic realm=\"cam\", Digest realm=\"cam\", nonce=\"n1\""))));
        assertEquals("digest", auth.scheme());
    }

    @Test
    void nonceCountCountsPerNonceAndRestartsWithANewOne() {
        int[] cnonce = {0};
        RtspAuthorizer auth = new RtspAuthorizer(MUFASA, () -> "c" + ++cnonce[0]);
        auth.challenge(AuthChallenge.parseAll(List.of("Digest realm=\"cam\", nonce=\"n1\", qop=auth")));
        assertEquals("00000001", fields(auth.authorization("DESCRIBE", "rtsp://cam/").orElseThrow()).get("nc"));
        Map<String, String> second = fields(auth.authorization("SETUP", "rtsp://cam/track1").orElseThrow());
        assertEquals("00000002", second.get("nc"));
        assertEquals("c2", second.get("cnonce"), "a fresh cnonce per request");
        assertTrue(auth.challenge(AuthChallenge.parseAll(List.of("Digest realm=\"cam\", nonce=\"n2\", qop=auth, stale=true"))));
        Map<String, String> third = fields(auth.authorization("PLAY", "rtsp://cam/").orElseThrow());
        assertEquals("n2", third.get("nonce"));
        assertEquals("00000001", third.get("nc"));
    }

    @Test
    void sameNonceRejectedTwiceMeansWrongCredentials() {
        RtspAuthorizer auth = new RtspAuthorizer(MUFASA, () -> "c");
        List<AuthChallenge> challenge = AuthChallenge.parseAll(List.of("Digest realm=\"cam\", nonce=\"n1\""));
        assertTrue(auth.challenge(challenge));
        assertFalse(auth.challenge(challenge));
    }

    @Test
    void digestWithoutQopIsRfc2069() {
        // RFC 2617 section 3.5's example with its qop and cnonce removed: HA1:nonce:HA2 only
        RtspAuthorizer auth = new RtspAuthorizer(MUFASA, () -> "unused");
        auth.challenge(AuthChallenge.parseAll(List.of("Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"")));
        Map<String, String> f = fields(auth.authorization("GET", "/dir/index.html").orElseThrow());
        assertEquals(null, f.get("qop"));
        assertEquals(null, f.get("nc"));
        String ha1 = md5("Mufasa:testrealm@host.com:Circle of Life");
        String ha2 = md5("GET:/dir/index.html");
        assertEquals(md5(ha1 + ":dcd98b7102dd2f0e8b11d0f600bfb0c093:" + ha2), f.get("response"));
    }

    @Test
    void md5SessHashesNonceAndCnonceIntoHa1() {
        RtspAuthorizer auth = new RtspAuthorizer(MUFASA, () -> "cn");
        auth.challenge(AuthChallenge.parseAll(List.of("Digest realm=\"r\", nonce=\"n\", qop=\"auth\", algorithm=MD5-sess")));
        Map<String, String> f = fields(auth.authorization("DESCRIBE", "rtsp://cam/").orElseThrow());
        String ha1 = md5(md5("Mufasa:r:Circle of Life") + ":n:cn");
        String ha2 = md5("DESCRIBE:rtsp://cam/");
        assertEquals(md5(ha1 + ":n:00000001:cn:auth:" + ha2), f.get("response"));
        assertEquals("MD5-sess", f.get("algorithm"));
    }

    @Test
    void basicWithAnyCharacters() {
        Credentials odd = new Credentials("ad:min", "mật-khẩu \"@/#?%:");
        RtspAuthorizer auth = new RtspAuthorizer(odd);
        assertTrue(auth.challenge(AuthChallenge.parseAll(List.of("Basic realm=\"cam\""))));
        String header = auth.authorization("DESCRIBE", "rtsp://cam/").orElseThrow();
        assertEquals("ad:min:mật-khẩu \"@/#?%:",
                new String(Base64.getDecoder().decode(header.substring("Basic ".length())), StandardCharsets.UTF_8));
    }

    @Test
    void nothingBeforeAChallengeAndUnknownSchemesRefused() {
        RtspAuthorizer auth = new RtspAuthorizer(MUFASA);
        assertEquals(Optional.empty(), auth.authorization("DESCRIBE", "rtsp://cam/"));
        assertFalse(auth.challenge(AuthChallenge.parseAll(List.of("Negotiate abc", "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256",
                "Digest realm=\"r\", nonce=\"n\", qop=auth-int"))));
        assertFalse(auth.isReady());
    }

    @Test
    void challengeParsingKeepsCommasInQuotesAndSplitsSchemes() {
        List<AuthChallenge> all = AuthChallenge.parseAll(List.of(
                "Digest realm=\"a, b\",nonce=abc ,  opaque=\"q\\\"x\", Basic realm=\"c\""));
        assertEquals(2, all.size());
        assertEquals("digest", all.get(0).scheme());
        assertEquals("a, b", all.get(0).get("realm"));
        assertEquals("abc", all.get(0).get("nonce"));
        assertEquals("q\"x", all.get(0).get("opaque"));
        assertEquals("basic", all.get(1).scheme());
        assertEquals("c", all.get(1).get("realm"));
    }

    @Test
    void credentialsNeverPrintThePassword() {
        assertFalse(new Credentials("admin", "Sx1q!Zk!w").toString().contains("Sx1q"));
    }

    private static String md5(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
