package org.nvr.cli;

import java.util.concurrent.Callable;
import org.nvr.config.NvrConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Validates a configuration without recording or writing anything. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate a configuration file; exit 0 when valid, 2 otherwise.")
final class CheckConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        NvrConfig c = config.loadForRecording();
        spec.commandLine().getOut().printf("%s: valid: %d site(s), %d camera(s), footage in %s%n", config.file,
                c.sites().size(), c.cameras().count(), c.storage().root());
        return Main.OK;
    }
}
