package org.nvr.rtsp;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Resolves the URLs a client sends SETUP and PLAY to (RFC 2326 appendix C.1.1): a media section's
 * {@code a=control} relative to the base URL, which is the DESCRIBE response's {@code Content-Base},
 * else its {@code Content-Location}, else the request URL. A relative control is appended to the base
 * with one {@code /} between them, as FFmpeg does and as cameras expect, rather than replacing the
 * base's last path segment as RFC 3986 would; {@code *} or no control means the aggregate URL. A
 * {@code Content-Base} without a scheme ({@code 192.168.1.10:554/stream0/}) gets {@code rtsp://}.
 * User info ({@code user:password@}) is removed from every URL given out: they go on the wire in
 * request lines and into logs, and credentials travel only in {@code Authorization}.
 * Immutable; any thread.
 */
public final class ControlUrls {

    private final String base;
    private final String session;

    /**
     * @param requestUrl      the URL DESCRIBE was sent to
     * @param contentBase     the response's {@code Content-Base}, or null
     * @param contentLocation the response's {@code Content-Location}, or null
     * @param sessionControl  the SDP's session-level {@code a=control}, or empty
     */
    public ControlUrls(String requestUrl, String contentBase, String contentLocation, String sessionControl) {
        String chosen = blank(contentBase) ? (blank(contentLocation) ? requestUrl : contentLocation) : contentBase;
        this.base = withoutUserInfo(withScheme(chosen.strip()));
        this.session = resolve(base, sessionControl, base);
    }

    /** The base relative controls are resolved against. */
    public String base() {
        return base;
    }

    /** Where aggregate PLAY, PAUSE and TEARDOWN go. */
    public String session() {
        return session;
    }

    /** Where SETUP for a media section with this {@code a=control} goes. */
    public String media(String control) {
        return resolve(base, control, session);
    }

    private static String resolve(String base, String control, String whenAggregate) {
        String c = control == null ? "" : control.strip();
        if (c.isEmpty() || c.equals("*")) {
            return whenAggregate;
        }
        if (hasScheme(c)) {
            return withoutUserInfo(c);
        }
        if (c.startsWith("/")) {
            try {
                return new URI(base).resolve(c).toString();
            } catch (URISyntaxException | IllegalArgumentException e) {
                // a base URI cannot parse (a camera's raw space or bracket): fall through to appending
            }
        }
        return (base.endsWith("/") ? base : base + "/") + (c.startsWith("/") ? c.substring(1) : c);
    }

    /** {@code rtsp://user:pw@host/x} as {@code rtsp://host/x}; the password may hold any legal character. */
    static String withoutUserInfo(String url) {
        int authority = url.indexOf("://") + 3;
        int end = authority;
        while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
            end++;
        }
        int at = url.lastIndexOf('@', end - 1);
        return at < authority ? url : url.substring(0, authority) + url.substring(at + 1);
    }

    private static String withScheme(String url) {
        return hasScheme(url) ? url : "rtsp://" + url;
    }

    private static boolean hasScheme(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        return lower.startsWith("rtsp://") || lower.startsWith("rtsps://") || lower.startsWith("rtspu://");
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
