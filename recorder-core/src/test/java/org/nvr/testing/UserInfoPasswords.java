package org.nvr.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Passwords that between them hold every character RFC 3986 allows in a URL's user info (unreserved,
 * sub-delims, ':' in the password) and, percent-encoded, the characters it does not ({@code @ / # ? %},
 * space, a quote, non-ASCII), each with the text that carries it in a URL. Every password is at least
 * eight characters long and unlike any other text a test prints, so finding it anywhere is a leak.
 */
public final class UserInfoPasswords {
    /** Raw in user info: RFC 3986 unreserved (beyond letters and digits), sub-delims, and ':'. */
    public static final String RAW_ALLOWED = "-._~!$&'()*+,;=:";
    /** Only percent-encoded in user info. */
    public static final String ENCODED_ONLY = "@/#?% \"<>[]\\^`{|}";

    /**
     * @param value the password itself
     * @param inUrl how it is written in {@code rtsp://user:inUrl@host/}
     */
    public record Password(String value, String inUrl) {
        public String url(String user, String hostPortPath) {
            return "rtsp://" + user + ":" + inUrl + "@" + hostPortPath;
        }
    }

    private UserInfoPasswords() {
    }

    /** One password per character of {@link #RAW_ALLOWED} and {@link #ENCODED_ONLY}, plus non-ASCII ones. */
    public static List<Password> all() {
        List<Password> all = new ArrayList<>();
        int n = 0;
        for (char c : RAW_ALLOWED.toCharArray()) {
            String v = "Sx" + n++ + "q" + c + "Zk" + c + "w";
            all.add(new Password(v, v));
        }
        for (char c : ENCODED_ONLY.toCharArray()) {
            String v = "Ey" + n++ + "q" + c + "Zk" + c + "w";
            all.add(new Password(v, percentEncode(v)));
        }
        all.add(new Password("mật-khẩu-" + n++, percentEncode("mật-khẩu-" + (n - 1))));
        all.add(new Password("Ünï-côdé-" + n, "Ünï-côdé-" + n)); // java.net.URI accepts non-ASCII letters raw
        return all;
    }

    /** Every byte outside RFC 3986's unreserved set as {@code %XX}. */
    public static String percentEncode(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append(String.format("%%%02X", b & 0xff));
            }
        }
        return sb.toString();
    }
}
