package org.nvr.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} in a configuration value with the variable from the given environment;
 * {@code $${} writes a literal {@code ${}. Substituted text is not scanned again. Remembers where
 * each variable was used so that callers can tell whether, say, a URL's user info came from the
 * environment. Stateless; safe from any thread.
 */
final class EnvSubstitution {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** One variable used in a value: where {@code ${NAME}} stood in the raw text, and what replaced it. */
    record Use(String name, int rawStart, int rawEnd, String value) {
    }

    /** A value before and after substitution. */
    record Result(String raw, String value, List<Use> uses) {
        boolean substituted() {
            return !uses.isEmpty();
        }
    }

    private EnvSubstitution() {
    }

    /**
     * @throws IllegalArgumentException naming the variable (never a value) when a variable is missing
     *                                  or a reference is malformed
     */
    static Result apply(String raw, Map<String, String> env) {
        if (raw.indexOf('$') < 0) {
            return new Result(raw, raw, List.of());
        }
        StringBuilder out = new StringBuilder(raw.length());
        List<Use> uses = new ArrayList<>();
        int i = 0;
        while (i < raw.length()) {
            if (raw.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (raw.startsWith("${", i)) {
                int close = raw.indexOf('}', i + 2);
                if (close < 0) {
                    throw new IllegalArgumentException("unterminated ${ (write $${ for a literal ${)");
                }
                String name = raw.substring(i + 2, close);
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("invalid environment variable name \"" + name
                            + "\" in ${...} (letters, digits and _, not starting with a digit)");
                }
                String value = env.get(name);
                if (value == null) {
                    throw new IllegalArgumentException("missing environment variable " + name);
                }
                uses.add(new Use(name, i, close + 1, value));
                out.append(value);
                i = close + 1;
            } else {
                out.append(raw.charAt(i));
                i++;
            }
        }
        return new Result(raw, out.toString(), List.copyOf(uses));
    }
}
