package org.nvr.cli;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

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
            UptimeCommand.class,
            HashPasswordCommand.class,
            VerifyCommand.class,
            ReplicateCommand.class,
            ProbeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int NO_FOOTAGE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The log pattern under systemd: the journal adds the time, host and unit; the line starts with
     * the priority journald reads; %oneLineMessage (logback.xml) keeps one event on one line.
     */
    static final String JOURNAL_PATTERN = "%journalPriority%-5level [%thread] %logger{0} - %oneLineMessage%n";

    public static void main(String[] args) {
        configureLogging(args, System.getenv());
        System.exit(commandLine(args).execute(args));
    }

    /**
     * {@code --lang en|vi} on any command: the language of help, messages and tables (default: the
     * locale's). Applied before parsing by {@link #commandLine(String...)}; here it is only validated.
     */
    @Option(names = "--lang", paramLabel = "LANG", scope = ScopeType.INHERIT,
            description = "language of messages and tables: en or vi (default: from the locale)")
    void setLanguage(String lang) {
        if (!lang.equals("en") && !lang.equals("vi")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    Texts.current().get("error.lang", lang));
        }
    }

    /** The command line in the language {@code args} ask for ({@code --lang}) or the locale's. */
    public static CommandLine commandLine(String... args) {
        Locale locale = Locale.getDefault();
        for (int i = 0; i < args.length; i++) {
            String lang = args[i].startsWith("--lang=") ? args[i].substring(7)
                    : args[i].equals("--lang") && i + 1 < args.length ? args[i + 1] : null;
            if (lang != null && (lang.equals("vi") || lang.equals("en"))) {
                locale = Locale.forLanguageTag(lang);
            }
        }
        Texts.use(Texts.of(locale));
        CommandLine cl = commandLine();
        cl.setResourceBundle(Texts.current().bundle());
        return cl;
    }

    /** The configured command line in the current language, also used by tests to run commands in-process. */
    public static CommandLine commandLine() {
        return commandLine(CommandLine.defaultFactory());
    }

    /** The configured command line with commands made by {@code factory} (tests give the daemon other seams). */
    public static CommandLine commandLine(CommandLine.IFactory factory) {
        CommandLine cl = new CommandLine(new Main(), factory);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? USAGE : FAILED);
        cl.setParameterExceptionHandler((ex, args) -> {
            // One line: the message naming the wrong thing, then where the help is.
            ex.getCommandLine().getErr().println("nvr: " + Output.printable(UsageMessages.translate(ex)) + " ("
                    + Texts.current().get("usage.try", ex.getCommandLine().getCommandSpec().qualifiedName()) + ")");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError ue) {
                cmd.getErr().println("nvr: " + Output.printable(ue.getMessage()));
                return ue.exitCode();
            }
            cmd.getErr().println("nvr: " + Output.printable(org.nvr.config.KnownSecrets.redact(String.valueOf(ex.getMessage()))));
            return FAILED;
        });
        return cl;
    }


    /** Commands that record or decode and so have something to log; the others only answer questions. */
    private static final java.util.Set<String> LOGGING_COMMANDS = java.util.Set.of("run", "demo", "export", "snapshot");

    /**
     * Before the first logger exists: no timestamps when the journal adds its own. A query command
     * reports everything through its output and exit code, so it does without a logging backend:
     * initialising Logback is about 500 classes, a third of such a command's start-up.
     */
    static void configureLogging(String[] args, Map<String, String> env) {
        boolean logs = false;
        for (String a : args) {
            logs |= LOGGING_COMMANDS.contains(a);
        }
        if (!logs && System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            System.setProperty("slf4j.internal.verbosity", "WARN"); // no note about the chosen provider
        }
        configureLogging(env);
    }

    /**
     * Before the first logger exists: under systemd (which sets {@code JOURNAL_STREAM} when stderr is
     * the journal) no timestamp of our own, since the journal adds one. An explicit
     * {@code -Dnvr.log.pattern} wins.
     */
    static void configureLogging(Map<String, String> env) {
        if (env.get("JOURNAL_STREAM") != null && System.getProperty("nvr.log.pattern") == null) {
            System.setProperty("nvr.log.pattern", JOURNAL_PATTERN);
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
