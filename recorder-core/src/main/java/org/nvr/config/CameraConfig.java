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
 * @param url          the stream URL with {@code ${ENV}} already substituted, never holding user info:
 *                     the constructor moves any into {@code username} and {@code password}, so every
 *                     text built from the URL (logs, errors, index rows, JSON, manifests) is free of
 *                     credentials by construction. Only {@code FfmpegCameraOpener} puts them back, for
 *                     the open call itself.
 * @param username     the user name to log in with: the separate key when given, else the URL's (decoded)
 * @param password     the password to log in with: the separate key when given, else the URL's (decoded).
 *                     Never printed: {@link #toString()} leaves it out.
 * @param transport    RTSP lower transport
 * @param audio        what to do with audio the MP4 container cannot hold
 * @param stallTimeout no packet for this long ends a session as stalled (default 5 s)
 * @param retention    per-camera overrides ({@code maxBytes}, {@code maxAge})
 * @param location     optional, shown to operators
 * @param contact      optional, who hosts the camera
 * @param source       which client pulls the stream ({@link Source#DEFAULT} when not configured)
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
        Optional<String> contact,
        Source source) {

    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofSeconds(5);

    /** A camera with the {@link Source#DEFAULT default source}. */
    public CameraConfig(String id, String siteId, String name, URI url, Optional<String> username,
                        Optional<String> password, Transport transport, AudioPolicy audio, Duration stallTimeout,
                        Retention retention, Optional<String> location, Optional<String> contact) {
        this(id, siteId, name, url, username, password, transport, audio, stallTimeout, retention, location, contact,
                Source.DEFAULT);
    }

    public CameraConfig {
        if (source == null) {
            source = Source.DEFAULT;
        }
        if (url != null && url.getRawUserInfo() != null) {
            URI withUserInfo = url;
            username = username.or(() -> userInfoPart(withUserInfo, true));
            password = password.or(() -> userInfoPart(withUserInfo, false));
            url = withoutUserInfo(url);
        }
    }

    /** The user name to log in with (the same as {@link #username()}, kept for callers). */
    public Optional<String> effectiveUsername() {
        return username;
    }

    /** The password to log in with (the same as {@link #password()}, kept for callers). */
    public Optional<String> effectivePassword() {
        return password;
    }

    /**
     * The URL for logs, metrics, errors and CLI output: {@link #url()}, which holds no credentials, with
     * {@code ***@} where they go when the camera has any, so an operator sees that it logs in.
     */
    public String redactedUrl() {
        String text = url.toString();
        if (username.isEmpty() && password.isEmpty() || url.getRawAuthority() == null) {
            return text;
        }
        int authority = text.indexOf("//") + 2;
        return text.substring(0, authority) + "***@" + text.substring(authority);
    }

    /** The same camera recorded through {@code other}. */
    public CameraConfig withSource(Source other) {
        return new CameraConfig(id, siteId, name, url, username, password, transport, audio, stallTimeout, retention,
                location, contact, other);
    }

    @Override
    public String toString() {
        return "CameraConfig[" + siteId + "/" + id + " " + redactedUrl() + "]";
    }

    private static Optional<String> userInfoPart(URI url, boolean user) {
        String raw = url.getRawUserInfo();
        int colon = raw.indexOf(':');
        if (user) {
            return Optional.of(percentDecode(colon < 0 ? raw : raw.substring(0, colon)));
        }
        return colon < 0 ? Optional.empty() : Optional.of(percentDecode(raw.substring(colon + 1)));
    }

    /** The same URL, byte for byte, minus {@code userinfo@}: no component is decoded or encoded again. */
    private static URI withoutUserInfo(URI url) {
        String text = url.toString();
        int authority = text.indexOf("//") + 2;
        int at = authority + url.getRawUserInfo().length();
        if (text.charAt(at) != '@') {
            throw new IllegalStateException("user info not where expected in the URL of a camera");
        }
        return URI.create(text.substring(0, authority) + text.substring(at + 1));
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
