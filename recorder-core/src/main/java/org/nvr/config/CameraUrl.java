package org.nvr.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Validates a camera's stream URL after {@code ${NAME}} substitution and builds its {@link URI}
 * without re-encoding anything, so percent-encoded user info ({@code p%40ss}) reaches the camera as
 * written. A password with raw reserved characters would silently move the host (the text after a
 * raw {@code /}, {@code ?}, {@code #} or {@code @} is not the host any more), so such URLs are
 * rejected with advice instead. Error messages never contain the URL or any part of its user info.
 * Stateless; safe from any thread.
 */
final class CameraUrl {
    static final String ENCODING_ADVICE = "percent-encode them (@ as %40, : as %3A, # as %23, / as %2F, "
            + "? as %3F, % as %25) or put the plain values in the separate username and password keys";

    private CameraUrl() {
    }

    /** @throws IllegalArgumentException with a message that is safe to show */
    static URI parse(EnvSubstitution.Result url) {
        checkSubstitutedUserInfo(url);
        String text = url.value();
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            String reason = e.getReason().toLowerCase(Locale.ROOT);
            boolean userInfo = reason.contains("user info") || reason.contains("authority") || reason.contains("escape");
            throw new IllegalArgumentException("not a valid URL (" + reason + ")"
                    + (userInfo && text.contains("@") ? "; if the user name or password contains special characters, "
                    + ENCODING_ADVICE : ""));
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("rtsp") || scheme.equalsIgnoreCase("rtsps"))) {
            throw new IllegalArgumentException("the URL must start with rtsp:// or rtsps://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(text.contains("@")
                    ? "cannot find the host; the user name or password seems to contain special characters: "
                    + ENCODING_ADVICE
                    : "the URL has no host (expected rtsp://host[:port]/path)");
        }
        if (uri.getRawUserInfo() == null && text.indexOf('@') >= 0) {
            // "rtsp://admin:12/34@cam/" parses as host "admin", port 12: never what was meant
            throw new IllegalArgumentException("an '@' follows the host; if the password contains '/', '?' or '#', "
                    + ENCODING_ADVICE);
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new IllegalArgumentException("invalid port (expected 1 to 65535)");
        }
        return uri;
    }

    /**
     * The raw template ({@code rtsp://${USER}:${PASS}@host/...}) shows where user info ends. A variable
     * used there must hold only characters legal in user info, or the URL's structure would change.
     */
    private static void checkSubstitutedUserInfo(EnvSubstitution.Result url) {
        String raw = url.raw();
        int schemeEnd = indexOutsideUses(url, "://", 0);
        if (schemeEnd < 0) {
            return;
        }
        int authorityStart = schemeEnd + 3;
        int authorityEnd = raw.length();
        for (String end : new String[] {"/", "?", "#"}) {
            int at = indexOutsideUses(url, end, authorityStart);
            if (at >= 0 && at < authorityEnd) {
                authorityEnd = at;
            }
        }
        int userInfoEnd = -1;
        for (int at = indexOutsideUses(url, "@", authorityStart); at >= 0 && at < authorityEnd;
                at = indexOutsideUses(url, "@", at + 1)) {
            userInfoEnd = at;
        }
        for (EnvSubstitution.Use use : url.uses()) {
            if (use.rawStart() >= authorityStart && use.rawEnd() <= userInfoEnd && !isUserInfoSafe(use.value())) {
                throw new IllegalArgumentException("environment variable " + use.name()
                        + " contains characters that are not allowed in a URL's user info; " + ENCODING_ADVICE);
            }
        }
    }

    private static int indexOutsideUses(EnvSubstitution.Result url, String needle, int from) {
        for (int i = url.raw().indexOf(needle, from); i >= 0; i = url.raw().indexOf(needle, i + 1)) {
            if (!insideUse(url, i)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean insideUse(EnvSubstitution.Result url, int index) {
        for (EnvSubstitution.Use use : url.uses()) {
            if (index >= use.rawStart() && index < use.rawEnd()) {
                return true;
            }
        }
        return false;
    }

    /** RFC 3986 user info: unreserved, sub-delims, ':' and %XX; non-ASCII letters are accepted as java.net.URI does. */
    static boolean isUserInfoSafe(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length() || !isHex(value.charAt(i + 1)) || !isHex(value.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            } else if (!(isAsciiAlphanumeric(c) || "-._~!$&'()*+,;=:".indexOf(c) >= 0
                    || (c > 0x7f && !Character.isISOControl(c) && !Character.isSpaceChar(c)))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
