package org.nvr.segment;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Where segment files live: {@code <root>/<site>/<camera>/YYYY/MM/DD/YYYYMMDDTHHMMSSZ.mp4}, the name
 * carrying the segment's UTC start. A second segment starting in the same second (a quick reconnect)
 * gets {@code -1}, {@code -2}... before the extension.
 */
public final class SegmentPaths {
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private SegmentPaths() {
    }

    /** The relative path for a new segment, unique under {@code root}. */
    public static String newSegment(Path root, String site, String camera, Instant start) {
        String dir = site + "/" + camera + "/" + DAY.format(start) + "/";
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
