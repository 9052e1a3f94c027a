package org.nvr.config;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * One camera as configured.
 *
 * @param id           unique across all sites, {@code [a-z0-9][a-z0-9-]{0,31}}
 * @param siteId       the id of the site this camera belongs to
 * @param name         human name (defaults to the id)
 * @param url          the stream URL with {@code ${ENV}} already substituted; may carry user info.
 *                     Never log it: use {@link #redactedUrl()}.
 * @param username     optional user name given separately from the URL (takes precedence)
 * @param password     optional password given separately from the URL (takes precedence)
 * @param transport    RTSP lower transport
 * @param audio        what to do with audio the MP4 container cannot hold
 * @param stallTimeout no packet for this long ends a session as stalled (default 5 s)
 * @param retention    per-camera overrides ({@code maxBytes}, {@code maxAge})
 * @param location     optional, shown to operators
 * @param contact      optional, who hosts the camera
 */
public record CameraConfig(
        String id,
        String siteId,
        String name,
        URI url,
        Optional<String> username,
        Optional<String> password,
        Transport transport,
        AudioPolicy audio,
        Duration stallTimeout,
        Retention retention,
        Optional<String> location,
        Optional<String> contact) {

    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(5);

    /** The user name to log in with: {@link #username()} when given, else the one in the URL (decoded). */
    public Optional<String> effectiveUsername() {
        return username.or(() -> userInfoPart(true));
    }

    /** The password to log in with: {@link #password()} when given, else the one in the URL (decoded). */
    public Optional<String> effectivePassword() {
        return password.or(() -> userInfoPart(false));
    }

    /** The URL without user info, safe for logs, metrics, errors and CLI output. */
    public String redactedUrl() {
        return UrlRedactor.redact(url.toString());
    }

    @Override
    public String toString() {
        return "CameraConfig[" + siteId + "/" + id + " " + redactedUrl() + "]";
    }

    private Optional<String> userInfoPart(boolean user) {
        String raw = url.getRawUserInfo();
        if (raw == null) {
            return Optional.empty();
        }
        int colon = raw.indexOf(':');
        if (user) {
            return Optional.of(percentDecode(colon < 0 ? raw : raw.substring(0, colon)));
        }
        return colon < 0 ? Optional.empty() : Optional.of(percentDecode(raw.substring(colon + 1)));
    }

    /** RFC 3986 decoding: %XX are UTF-8 bytes; unlike URLDecoder, '+' stays '+'. */
    private static String percentDecode(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int plain = 0;
        for (int i = text.indexOf('%'); i >= 0 && i + 2 < text.length(); i = text.indexOf('%', plain)) {
            bytes.writeBytes(text.substring(plain, i).getBytes(StandardCharsets.UTF_8));
            bytes.write(Integer.parseInt(text, i + 1, i + 3, 16));
            plain = i + 3;
        }
        bytes.writeBytes(text.substring(plain).getBytes(StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
