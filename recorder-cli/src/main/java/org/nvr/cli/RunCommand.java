package org.nvr.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.nvr.cli.systemd.SdNotify;
import org.nvr.cli.systemd.Watchdog;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.index.IndexException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The daemon: records every configured camera until SIGTERM or SIGINT. Under systemd
 * ({@code Type=notify}) it reports READY once the index is reconciled and every camera's supervisor
 * runs, feeds the watchdog while {@link Recorder#liveness()} passes, and reports STOPPING as soon as a
 * stop is asked for, before closing (open segments closed and indexed).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Record every configured camera until SIGTERM/SIGINT.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    private final Recorder.Options options;

    RunCommand() {
        this(Recorder.Options.defaults());
    }

    /** With other recorder seams (a camera opener, a hang bound): for tests, through {@link Main#commandLine(picocli.CommandLine.IFactory)}. */
    RunCommand(Recorder.Options options) {
        this.options = options;
    }

    @Override
    public Integer call() throws InterruptedException {
        NvrConfig cfg = config.loadForRecording();
        try (SdNotify systemd = SdNotify.fromEnvironment(System.getenv())) {
            Daemon daemon;
            try {
                daemon = Daemon.start(cfg, options);
            } catch (IOException | IndexException e) {
                throw Daemon.startFailed(e);
            }
            try (daemon) {
                daemon.handleSignals();
                long cameras = cfg.cameras().count();
                spec.commandLine().getErr().printf("nvr: recording %d camera(s) into %s; metrics at %s%s%n",
                        cameras, cfg.storage().root(), daemon.metricsUrl(),
                        daemon.webUrl().map(url -> "; pages at " + url).orElse(""));
                systemd.ready("recording " + cameras + " camera(s)");
                try (Watchdog watchdog = Watchdog.start(systemd, daemon.recorder()::liveness)) {
                    daemon.awaitStop(0);
                }
                systemd.stopping("stopping: closing and indexing open segments");
            }
        }
        return Main.OK;
    }
}
