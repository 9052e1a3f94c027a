package org.nvr.web.playback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last segments' sample tables, so that the range requests of one playback (a {@code <video>}
 * seeking asks for many) read each segment's boxes once. Keyed by path, size and modification time: a
 * segment still being written is read again once it grew. Thread-safe; bounded.
 */
final class SampleCache {
    private record Key(Path file, String handler, long size, long modified) {
    }

    private final int capacity;
    /** Empty: the file has no such track. */
    private final Map<Key, java.util.Optional<SegmentSamples>> entries;

    SampleCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, java.util.Optional<SegmentSamples>> eldest) {
                return size() > SampleCache.this.capacity;
            }
        };
    }

    /** The video samples of {@code file}; an {@link IOException} when it has none (yet) or cannot be read. */
    SegmentSamples get(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        Key key = new Key(file, "vide", a.size(), a.lastModifiedTime().toMillis());
        synchronized (entries) {
            java.util.Optional<SegmentSamples> s = entries.get(key);
            if (s != null && s.isPresent()) {
                return s.get();
            }
        }
        SegmentSamples s = SegmentSamples.read(file, "vide");
        synchronized (entries) {
            entries.put(key, java.util.Optional.of(s));
        }
        return s;
    }

    /** The audio samples of {@code file}, or null when it has no audio track. */
    SegmentSamples audio(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        Key key = new Key(file, "soun", a.size(), a.lastModifiedTime().toMillis());
        synchronized (entries) {
            java.util.Optional<SegmentSamples> s = entries.get(key);
            if (s != null) {
                return s.orElse(null);
            }
        }
        SegmentSamples s;
        try {
            s = SegmentSamples.read(file, "soun");
        } catch (IOException e) {
            s = null; // no audio track (video-only cameras, or audio left out by the recorder)
        }
        synchronized (entries) {
            entries.put(key, java.util.Optional.ofNullable(s));
        }
        return s;
    }
}
