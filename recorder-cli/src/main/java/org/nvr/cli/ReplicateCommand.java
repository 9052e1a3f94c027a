package org.nvr.cli;

import picocli.CommandLine.Command;

/** {@code nvr replicate}: the off-site copy of evidence ({@code replication:}). */
@Command(name = "replicate", mixinStandardHelpOptions = true,
        description = "Evidence copied off-site to an S3 bucket.",
        subcommands = {ReplicateStatusCommand.class})
final class ReplicateCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
