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
    private record Key(Path file, long size, long modified) {
    }

    private final int capacity;
    private final Map<Key, SegmentSamples> entries;

    SampleCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, SegmentSamples> eldest) {
                return size() > SampleCache.this.capacity;
            }
        };
    }

    SegmentSamples get(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        Key key = new Key(file, a.size(), a.lastModifiedTime().toMillis());
        synchronized (entries) {
            SegmentSamples s = entries.get(key);
            if (s != null) {
                return s;
            }
        }
        SegmentSamples s = SegmentSamples.read(file);
        synchronized (entries) {
            entries.put(key, s);
        }
        return s;
    }
}
