package org.nvr.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code nvr}: the recorder daemon and the operator's commands. Exit codes: 0 done, 1 failed at run
 * time, 2 bad usage or configuration, 3 no footage in the range.
 */
@Command(name = "nvr", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Headless network video recorder: records RTSP cameras into indexed MP4 segments.",
        subcommands = {
            RunCommand.class,
            DemoCommand.class,
            CheckConfigCommand.class,
            CamerasCommand.class,
            FootageCommand.class,
            VerifyCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int NO_FOOTAGE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        configureLogging();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests to run commands in-process. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? USAGE : FAILED);
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("nvr: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'nvr " + ex.getCommandLine().getCommandName() + " --help'.");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError ue) {
                cmd.getErr().println("nvr: " + ue.getMessage());
                return ue.exitCode();
            }
            cmd.getErr().println("nvr: " + org.nvr.config.UrlRedactor.redact(String.valueOf(ex.getMessage())));
            return FAILED;
        });
        return cl;
    }

    /** Before the first logger exists: no timestamps when the journal adds its own. */
    static void configureLogging() {
        if (System.getenv("JOURNAL_STREAM") != null && System.getProperty("nvr.log.pattern") == null) {
            System.setProperty("nvr.log.pattern", "%-5level [%thread] %logger{0} - %msg%n");
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"nvr " + (v == null ? "development build" : v)};
        }
    }
}
