package org.nvr.rtsp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235 section 4.1): a scheme and its
 * parameters. A header may carry several challenges, and a response several headers; {@link #parseAll}
 * reads them all. Immutable; any thread.
 *
 * @param scheme     lower-cased ({@code basic}, {@code digest})
 * @param parameters names lower-cased, values unquoted
 */
public record AuthChallenge(String scheme, Map<String, String> parameters) {

    public AuthChallenge {
        scheme = scheme.toLowerCase(Locale.ROOT);
        parameters = Map.copyOf(parameters);
    }

    /** A parameter's value, or null. */
    public String get(String name) {
        return parameters.get(name.toLowerCase(Locale.ROOT));
    }

    /** Every challenge in every {@code WWW-Authenticate} header value, in order. */
    public static List<AuthChallenge> parseAll(List<String> headerValues) {
        List<AuthChallenge> all = new ArrayList<>();
        for (String value : headerValues) {
            parse(value, all);
        }
        return all;
    }

    /**
     * Splits {@code Digest realm="a, b", nonce=x, Basic realm="c"} into challenges: a token followed by
     * {@code =} is a parameter of the current challenge, any other token starts a new challenge.
     */
    private static void parse(String text, List<AuthChallenge> out) {
        String scheme = null;
        Map<String, String> parameters = new LinkedHashMap<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == ',' || Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int tokenEnd = i;
            while (tokenEnd < n && text.charAt(tokenEnd) != '=' && text.charAt(tokenEnd) != ','
                    && !Character.isWhitespace(text.charAt(tokenEnd))) {
                tokenEnd++;
            }
            String token = text.substring(i, tokenEnd);
            int next = tokenEnd;
            while (next < n && text.charAt(next) == ' ') {
                next++;
            }
            if (next < n && text.charAt(next) == '=' && scheme != null) {
                i = next + 1;
                while (i < n && text.charAt(i) == ' ') {
                    i++;
                }
                StringBuilder value = new StringBuilder();
                if (i < n && text.charAt(i) == '"') {
                    i++;
                    while (i < n && text.charAt(i) != '"') {
                        if (text.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        value.append(text.charAt(i++));
                    }
                    i++; // closing quote
                } else {
                    while (i < n && text.charAt(i) != ',') {
                        value.append(text.charAt(i++));
                    }
                }
                parameters.put(token.toLowerCase(Locale.ROOT), value.toString().strip());
            } else if (next < n && text.charAt(next) == '=') {
                i = next + 1; // a parameter before any scheme: junk, skip its name
            } else {
                if (scheme != null) {
                    out.add(new AuthChallenge(scheme, parameters));
                }
                scheme = token;
                parameters = new LinkedHashMap<>();
                i = tokenEnd;
            }
        }
        if (scheme != null) {
            out.add(new AuthChallenge(scheme, parameters));
        }
    }
}
