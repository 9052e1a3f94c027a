package org.nvr.index;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Numbered schema migrations, {@code V<n>__<name>.sql} on the classpath, each applied in one
 * transaction that also sets {@code PRAGMA user_version = n}. An index whose version is newer than
 * {@link #LATEST} was written by a newer nvr and is refused rather than misread.
 */
public final class Migrations {
    static final List<String> SCRIPTS = List.of("V1__initial.sql", "V2__evidence.sql", "V3__retention.sql",
            "V4__camera_source.sql", "V5__replication.sql", "V6__replication_lock_on_hold.sql");
    public static final int LATEST = SCRIPTS.size();

    private Migrations() {
    }

    public static int version(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    static void apply(Connection c) throws IndexException {
        try {
            int current = version(c);
            if (current > LATEST) {
                throw new IndexException("index schema version " + current + " is newer than this nvr supports ("
                        + LATEST + "); upgrade nvr");
            }
            for (int v = current + 1; v <= LATEST; v++) {
                applyOne(c, v, SCRIPTS.get(v - 1));
            }
        } catch (SQLException e) {
            throw new IndexException("cannot migrate index: " + e.getMessage(), e);
        }
    }

    private static void applyOne(Connection c, int version, String script) throws SQLException, IndexException {
        String sql = load(script);
        try (Statement st = c.createStatement()) {
            // IMMEDIATE takes the write lock now; re-check inside it, another process may have migrated.
            st.execute("BEGIN IMMEDIATE");
            try {
                if (version(c) < version) {
                    for (String stmt : statements(sql)) {
                        st.execute(stmt);
                    }
                    st.execute("PRAGMA user_version = " + version);
                }
                st.execute("COMMIT");
            } catch (SQLException e) {
                st.execute("ROLLBACK");
                throw new SQLException("migration " + script + " failed: " + e.getMessage(), e);
            }
        }
    }

    private static String load(String script) throws IndexException {
        try (InputStream in = Migrations.class.getResourceAsStream(script)) {
            if (in == null) {
                throw new IndexException("missing migration " + script);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IndexException("cannot read migration " + script, e);
        }
    }

    /**
     * Splits a script into statements at semicolons that end a line, dropping {@code --} comments; a
     * trigger body ({@code BEGIN ... END;}) stays one statement.
     */
    static List<String> statements(String sql) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        for (String raw : sql.split("\n")) {
            int comment = raw.indexOf("--");
            String line = (comment >= 0 ? raw.substring(0, comment) : raw).stripTrailing();
            if (line.isBlank()) {
                continue;
            }
            current.append(line).append('\n');
            String upper = line.strip().toUpperCase(java.util.Locale.ROOT);
            if (upper.endsWith("BEGIN")) {
                depth++;
            } else if (upper.equals("END;") && depth > 0) {
                depth--;
            }
            if (depth == 0 && upper.endsWith(";")) {
                String stmt = current.toString().strip();
                out.add(stmt.substring(0, stmt.length() - 1).strip());
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            out.add(current.toString().strip());
        }
        return out;
    }
}
