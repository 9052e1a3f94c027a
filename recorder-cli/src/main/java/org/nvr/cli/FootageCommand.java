package org.nvr.cli;

import picocli.CommandLine.Command;

/** {@code nvr footage ...}: find, hold and export footage. */
@Command(name = "footage", mixinStandardHelpOptions = true, description = "Find, hold and export footage.",
        subcommands = {FootageListCommand.class, FootageGapsCommand.class, FootageExportCommand.class,
            FootageLockCommand.class, FootageUnlockCommand.class, FootageLocksCommand.class,
            FootageSnapshotCommand.class, FootageAuditCommand.class})
final class FootageCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
