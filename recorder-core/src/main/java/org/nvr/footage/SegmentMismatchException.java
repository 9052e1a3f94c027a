package org.nvr.footage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A source segment's file no longer has the SHA-256 the index stored when the segment closed (or is
 * gone): it was changed after recording, and footage read from it is not evidence.
 */
public final class SegmentMismatchException extends IOException {
    private final Path file;
    private final String indexed;
    private final String actual;

    public SegmentMismatchException(Path file, String indexed, String actual) {
        super(actual == null ? file + ": file is missing (indexed SHA-256 " + indexed + ")"
                : file + ": SHA-256 " + actual + " does not match the index (" + indexed + "): changed after recording");
        this.file = file;
        this.indexed = indexed;
        this.actual = actual;
    }

    public Path file() {
        return file;
    }

    public String indexed() {
        return indexed;
    }

    /** Null when the file is missing. */
    public String actual() {
        return actual;
    }
}
