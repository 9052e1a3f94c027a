package org.nvr.config;

import java.net.URI;
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

    /** The URL without user info, safe for logs, metrics, errors and CLI output. */
    public String redactedUrl() {
        return UrlRedactor.redact(url.toString());
    }

    @Override
    public String toString() {
        return "CameraConfig[" + siteId + "/" + id + " " + redactedUrl() + "]";
    }
}
