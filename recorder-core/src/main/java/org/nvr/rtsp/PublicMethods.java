package org.nvr.rtsp;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The methods a server lists in the {@code Public} header of its OPTIONS response, and the keep-alive
 * choice that follows from them: {@code OPTIONS} first, since every server answers it, then
 * {@code GET_PARAMETER} and {@code SET_PARAMETER} only when listed, since some servers drop the
 * connection on a method they do not support. Immutable; any thread.
 */
public record PublicMethods(Set<String> methods) {

    public PublicMethods {
        methods = Set.copyOf(methods);
    }

    /** From a {@code Public} header value; null or blank gives no methods. */
    public static PublicMethods parse(String value) {
        Set<String> methods = new LinkedHashSet<>();
        if (value != null) {
            for (String m : value.split(",")) {
                if (!m.isBlank()) {
                    methods.add(m.strip().toUpperCase(Locale.ROOT));
                }
            }
        }
        return new PublicMethods(methods);
    }

    public boolean supports(String method) {
        return methods.contains(method.toUpperCase(Locale.ROOT));
    }

    /** Keep-alive methods in the order to try them: OPTIONS, then the listed parameter methods. */
    public List<String> keepAliveMethods() {
        List<String> order = new ArrayList<>();
        order.add("OPTIONS");
        for (String m : List.of("GET_PARAMETER", "SET_PARAMETER")) {
            if (supports(m)) {
                order.add(m);
            }
        }
        return List.copyOf(order);
    }
}
