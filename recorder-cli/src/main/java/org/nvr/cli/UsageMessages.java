package org.nvr.cli;

import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/** picocli's own parse errors, said in the operator's language for the common cases. */
final class UsageMessages {
    private UsageMessages() {
    }

    static String translate(CommandLine.ParameterException ex) {
        Texts t = Texts.current();
        if (!t.vietnamese()) {
            return ex.getMessage();
        }
        if (ex instanceof CommandLine.MissingParameterException m) {
            return t.get("usage.missing", m.getMissing().stream().map(UsageMessages::name)
                    .collect(Collectors.joining(", ")));
        }
        if (ex instanceof CommandLine.UnmatchedArgumentException u) {
            return t.get("usage.unknown", String.join(" ", u.getUnmatched()));
        }
        return ex.getMessage();
    }

    private static String name(ArgSpec a) {
        return a instanceof OptionSpec o ? o.longestName() : a.paramLabel();
    }
}
