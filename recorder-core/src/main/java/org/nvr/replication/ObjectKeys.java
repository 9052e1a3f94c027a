package org.nvr.replication;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Object keys in the bucket: {@code <prefix><site>/<camera>/<UTC start>.mp4} for a segment (the
 * segment file's own name, which carries its UTC start, e.g. {@code 20261129T070000Z.mp4}; a name with
 * milliseconds keeps them), and {@code <prefix>exports/<site>/<camera>/<UTC export time>/<file name>} for
 * an export and its manifest. Stateless.
 */
final class ObjectKeys {
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final String prefix;

    ObjectKeys(String prefix) {
        this.prefix = prefix;
    }

    String of(QueueItem item) {
        String name = Path.of(item.path()).getFileName().toString();
        if (item.segment()) {
            return prefix + item.site() + "/" + item.camera() + "/" + name;
        }
        return prefix + "exports/" + (item.site().isEmpty() ? "-" : item.site()) + "/"
                + (item.camera().isEmpty() ? "-" : item.camera()) + "/" + UTC.format(Instant.ofEpochMilli(item.startMs()))
                + "/" + name;
    }
}
