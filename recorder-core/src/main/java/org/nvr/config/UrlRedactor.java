package org.nvr.config;

import java.util.regex.Pattern;

/**
 * Removes credentials from anything that may contain a URL: {@code rtsp://user:pass@host/} becomes
 * {@code rtsp://***@host/}. Used for every log line, metric, exception message and FFmpeg log line.
 */
public final class UrlRedactor {
    // scheme://userinfo@ where userinfo runs to the LAST '@' of the token, which ends at whitespace or at a
    // character that user info never holds unencoded ('"', '<', '>'). Stopping at the first '/' instead
    // would leak a password holding a raw '/', '?' or '#' ("rtsp://admin:pa/ss@cam/" -> "admin:pa" kept);
    // the cost is that an '@' in a path hides the host too. The apostrophe is a legal sub-delim of user
    // info (RFC 3986), so it cannot end the token: "rtsp://u:it's@cam/" must not pass unredacted.
    private static final Pattern USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^\\s\"<>]*@");

    private UrlRedactor() {
    }

    public static String redact(String text) {
        if (text == null || text.indexOf('@') < 0) {
            return text;
        }
        return USERINFO.matcher(text).replaceAll("$1***@");
    }
}
