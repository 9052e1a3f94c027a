package org.nvr.config;

import java.util.regex.Pattern;

/**
 * Removes credentials from anything that may contain a URL: {@code rtsp://user:pass@host/} becomes
 * {@code rtsp://***@host/}. Used for every log line, metric, exception message and FFmpeg log line.
 */
public final class UrlRedactor {
    // scheme://userinfo@ where userinfo runs to the LAST '@' of the whitespace- or quote-delimited token.
    // Stopping at the first '/' instead would leak a password holding a raw '/', '?' or '#'
    // ("rtsp://admin:pa/ss@cam/" -> "admin:pa" kept); the cost is that an '@' in a path hides the host too.
    private static final Pattern USERINFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^\\s\"'<>]*@");

    private UrlRedactor() {
    }

    public static String redact(String text) {
        if (text == null || text.indexOf('@') < 0) {
            return text;
        }
        return USERINFO.matcher(text).replaceAll("$1***@");
    }
}
