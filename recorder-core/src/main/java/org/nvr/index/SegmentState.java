package org.nvr.index;

import java.util.Locale;

/** Lifecycle of a segment row; see {@link IndexWriter} for the invariant each state stands for. */
public enum SegmentState {
    /** The file is being written (or was, when the recorder crashed). */
    OPEN,
    /** The file is complete, fsynced, hashed and counted. */
    CLOSED,
    /** Retention decided to delete it; the file may or may not be gone yet. */
    DELETING;

    public String sql() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SegmentState fromSql(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
