package org.nvr.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.nvr.config.NvrConfig;
import org.nvr.index.IndexException;
import org.nvr.recorder.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The daemon: records every configured camera until SIGTERM or SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Record every configured camera until SIGTERM/SIGINT.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        NvrConfig cfg = config.load();
        Daemon daemon;
        try {
            daemon = Daemon.start(cfg, Recorder.Options.defaults());
        } catch (IOException | IndexException e) {
            throw UserError.failed(e.getMessage());
        }
        try (daemon) {
            daemon.handleSignals();
            spec.commandLine().getErr().printf("nvr: recording %d camera(s) into %s; metrics at %s%n",
                    cfg.cameras().count(), cfg.storage().root(), daemon.metricsUrl());
            daemon.awaitStop(0);
        }
        return Main.OK;
    }
}
