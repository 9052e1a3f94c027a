package org.nvr.index;

/** The index could not be opened, migrated, read or written. */
public final class IndexException extends Exception {
    public IndexException(String message) {
        super(message);
    }

    public IndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
