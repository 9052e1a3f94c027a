package org.nvr.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where segment files live: {@code <root>/footage/<site>/<camera>/YYYY/MM/DD/YYYYMMDDTHHMMSSZ.mp4}, the
 * name carrying the segment's UTC start. A second segment starting in the same second (a quick reconnect)
 * gets {@code -1}, {@code -2}... before the extension. The index stores these paths relative to the root.
 *
 * <p>All footage lies under the one directory {@value #FOOTAGE}, and nothing else the recorder keeps is
 * in it: the index, the quarantine, the disk reserve and the lock file lie beside it at the root. So no
 * site or camera id can ever name one of them, whatever ids are configured. Roots written before this
 * layout ({@code <root>/<site>/...}, {@link #parseOld}) are moved into it at start-up by
 * {@code recorder.LayoutMigration}.
 */
public final class SegmentPaths {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** The directory under the root that holds all footage and nothing else. */
    public static final String FOOTAGE = "footage";
    /** Depth of a segment file below the root: footage/site/camera/YYYY/MM/DD/name. */
    public static final int FILE_DEPTH = 7;

    private static final String SEGMENT = "([a-z0-9][a-z0-9-]{0,31})/([a-z0-9][a-z0-9-]{0,31})/(\\d{4})/(\\d{2})/(\\d{2})/"
            + "(\\d{8}T\\d{6}Z)(-\\d+)?\\.mp4";
    /** {@code footage/<site>/<camera>/YYYY/MM/DD/YYYYMMDDTHHMMSSZ[-N].mp4}, the layout {@link #newSegment} creates. */
    private static final Pattern LAYOUT = Pattern.compile(FOOTAGE + "/" + SEGMENT);
    /** {@code <site>/<camera>/YYYY/MM/DD/YYYYMMDDTHHMMSSZ[-N].mp4}: the layout of roots written before {@link #FOOTAGE}. */
    private static final Pattern OLD_LAYOUT = Pattern.compile(SEGMENT);

    /** What a segment's relative path says about it. */
    public record Parsed(String site, String camera, Instant start) {
    }

    private SegmentPaths() {
    }

    /**
     * Reads site, camera and start from a relative path in the segment layout; empty for anything else
     * (exports an operator saved under the root, the index, the quarantine folder...).
     */
    public static Optional<Parsed> parse(String relativePath) {
        return parse(LAYOUT, relativePath);
    }

    /** Like {@link #parse}, for the layout before {@link #FOOTAGE}: {@code <site>/<camera>/YYYY/MM/DD/...}. */
    public static Optional<Parsed> parseOld(String relativePath) {
        return parse(OLD_LAYOUT, relativePath);
    }

    private static Optional<Parsed> parse(Pattern layout, String relativePath) {
        Matcher m = layout.matcher(relativePath);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            Instant start = NAME.parse(m.group(6), Instant::from);
            if (!DAY.format(start).equals(m.group(3) + "/" + m.group(4) + "/" + m.group(5))) {
                return Optional.empty();
            }
            return Optional.of(new Parsed(m.group(1), m.group(2), start));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The relative path for a new segment, unique under {@code root}. */
    public static String newSegment(Path root, String site, String camera, Instant start) {
        String dir = FOOTAGE + "/" + site + "/" + camera + "/" + DAY.format(start) + "/";
        String base = NAME.format(start);
        String candidate = dir + base + ".mp4";
        for (int i = 1; Files.exists(root.resolve(candidate)); i++) {
            candidate = dir + base + "-" + i + ".mp4";
        }
        return candidate;
    }

    /**
     * Creates the directories of {@code file} and fsyncs each parent whose entries changed, so a power
     * cut cannot lose a directory that holds indexed footage.
     */
    public static void createParents(Path root, Path file) throws IOException {
        Path dir = file.getParent();
        if (Files.isDirectory(dir)) {
            return;
        }
        Path existing = dir;
        while (existing != null && !Files.isDirectory(existing)) {
            existing = existing.getParent();
        }
        Files.createDirectories(dir);
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            fsyncDirectory(p);
            if (p.equals(existing) || p.equals(root)) {
                break;
            }
        }
    }

    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
