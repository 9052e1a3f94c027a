package org.nvr.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the {@code sites} list and each site's cameras into records, checking that ids are well
 * formed and unique (site ids among sites, camera ids across all sites). A duplicate is reported at
 * its second occurrence. One instance per load; used on the loading thread only.
 */
final class SiteReader {
    static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    static final Duration MIN_STALL_TIMEOUT = Duration.ofSeconds(1);
    static final Duration MAX_STALL_TIMEOUT = Duration.ofMinutes(5);

    private static final Map<String, Transport> TRANSPORTS =
            Map.of("tcp", Transport.TCP, "udp", Transport.UDP, "auto", Transport.AUTO);
    private static final Map<String, Source> SOURCES = Map.of("rtsp", Source.RTSP, "ffmpeg", Source.FFMPEG);
    private static final Map<String, AudioPolicy> AUDIO =
            Map.of("transcode", AudioPolicy.TRANSCODE, "copy", AudioPolicy.COPY_OR_DROP, "drop", AudioPolicy.DROP);

    private final Map<String, String> siteIds = new HashMap<>();
    private final Map<String, String> cameraIds = new HashMap<>();

    List<SiteConfig> read(Section root) throws ConfigException {
        if (!root.has("sites")) {
            throw new ConfigException("sites", "missing (at least one site is required)");
        }
        List<SiteConfig> sites = new ArrayList<>();
        for (Section site : root.sections("sites")) {
            sites.add(site(site));
        }
        if (sites.isEmpty()) {
            throw new ConfigException("sites", "at least one site is required");
        }
        return sites;
    }

    private SiteConfig site(Section site) throws ConfigException {
        site.allowOnly("id", "name", "cameras");
        String id = uniqueId(site, "site", siteIds);
        String name = name(site, id);
        if (!site.has("cameras")) {
            throw new ConfigException(site.keyPath("cameras"), "missing (at least one camera is required)");
        }
        List<CameraConfig> cameras = new ArrayList<>();
        for (Section camera : site.sections("cameras")) {
            cameras.add(camera(camera, id));
        }
        if (cameras.isEmpty()) {
            throw new ConfigException(site.keyPath("cameras"), "at least one camera is required");
        }
        return new SiteConfig(id, name, cameras);
    }

    private CameraConfig camera(Section camera, String siteId) throws ConfigException {
        camera.allowOnly("id", "name", "url", "username", "password", "transport", "audio",
                "stall_timeout", "retention", "location", "contact", "source");
        String id = uniqueId(camera, "camera", cameraIds);
        String name = name(camera, id);
        return new CameraConfig(id, siteId, name, url(camera),
                camera.string("username"), camera.string("password"),
                camera.value("transport", text -> choice(text, TRANSPORTS, "tcp, udp or auto"), Transport.TCP),
                camera.value("audio", text -> choice(text, AUDIO, "transcode, copy or drop"), AudioPolicy.TRANSCODE),
                camera.value("stall_timeout", SiteReader::stallTimeout, CameraConfig.DEFAULT_STALL_TIMEOUT),
                ConfigLoader.retention(camera, false),
                optionalText(camera, "location"), optionalText(camera, "contact"),
                camera.value("source", text -> choice(text, SOURCES, "rtsp or ffmpeg"), Source.DEFAULT));
    }

    private static URI url(Section camera) throws ConfigException {
        EnvSubstitution.Result url = camera.scalar("url").orElseThrow(() -> camera.missing("url"));
        if (url.value().isBlank()) {
            throw new ConfigException(camera.keyPath("url"), "must not be empty");
        }
        try {
            return CameraUrl.parse(url);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(camera.keyPath("url"), e.getMessage());
        }
    }

    /** Reads {@code id}, checks its form and that no earlier site or camera used it. */
    private static String uniqueId(Section section, String what, Map<String, String> seen) throws ConfigException {
        String id = section.value("id", SiteReader::id).orElseThrow(() -> section.missing("id"));
        String first = seen.putIfAbsent(id, section.keyPath("id"));
        if (first != null) {
            throw new ConfigException(section.keyPath("id"),
                    "duplicate " + what + " id \"" + id + "\" (first used at " + first + ")");
        }
        return id;
    }

    static String id(String text) {
        if (!ID.matcher(text).matches()) {
            throw new IllegalArgumentException("invalid id \"" + text + "\": use 1 to 32 lowercase letters, "
                    + "digits and '-', starting with a letter or digit");
        }
        return text;
    }

    private static String name(Section section, String id) throws ConfigException {
        return section.string("name").filter(name -> !name.isBlank()).orElse(id);
    }

    private static Optional<String> optionalText(Section section, String key) throws ConfigException {
        return section.string(key).filter(text -> !text.isBlank());
    }

    private static <T> T choice(String text, Map<String, T> choices, String expected) {
        T value = choices.get(text.strip().toLowerCase(Locale.ROOT));
        if (value == null) {
            throw new IllegalArgumentException("unknown value \"" + text + "\" (expected " + expected + ")");
        }
        return value;
    }

    private static Duration stallTimeout(String text) {
        Duration timeout = DurationText.parse(text);
        if (timeout.compareTo(MIN_STALL_TIMEOUT) < 0 || timeout.compareTo(MAX_STALL_TIMEOUT) > 0) {
            throw new IllegalArgumentException("stall timeout \"" + text + "\" out of range (expected 1s to 5m)");
        }
        return timeout;
    }
}
