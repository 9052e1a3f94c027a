package org.nvr.daemon;

import java.util.List;

/**
 * The recorder's answer to "is every part of it still working?", for the systemd watchdog: which
 * cameras' sessions are hung, and whether the event loop and the index writer answer.
 *
 * @param problems one line per part that is not alive, naming it (a camera id, {@code nvr-loop},
 *                 {@code nvr-index}); empty when everything is alive
 */
public record Liveness(List<String> problems) {
    public Liveness {
        problems = List.copyOf(problems);
    }

    public boolean alive() {
        return problems.isEmpty();
    }

    @Override
    public String toString() {
        return alive() ? "alive" : String.join("; ", problems);
    }
}
