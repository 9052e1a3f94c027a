package org.nvr.cli;

import picocli.CommandLine.Option;

/**
 * {@code --json}: the listing as JSON instead of a table, for scripts. Declared once so that the query
 * commands offer it alike; the shapes they print are part of the contract and never change with
 * {@code --lang}. (export's {@code --json}, which prints its manifest, says so in its own declaration.)
 */
final class JsonOption {
    @Option(names = "--json", description = "JSON for scripts")
    boolean json;

    boolean wanted() {
        return json;
    }
}
