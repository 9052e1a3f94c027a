package org.nvr.cli;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.nvr.metrics.BasicAuth;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Prints the hash that {@code metrics.auth.password_hash} needs. The password never comes from the
 * command line (it would sit in the shell history and in {@code ps}): it is asked twice on the
 * terminal without echo, or read as the first line of stdin when stdin is not a terminal
 * ({@code nvr hash-password < file}, a pipe from a password manager). Password characters are wiped
 * from memory once hashed.
 */
@Command(name = "hash-password", mixinStandardHelpOptions = true,
        description = {"Print a hash of a password for metrics.auth.password_hash (Basic auth for /metrics).",
            "The password is asked on the terminal (twice, not shown) or read from the first line of stdin."})
final class HashPasswordCommand implements Callable<Integer> {
    private static final int MAX_CHARS = 1024;

    @Spec
    CommandSpec spec;

    private final Console console;
    private final InputStream stdin;

    HashPasswordCommand() {
        this(System.console(), System.in);
    }

    /** @param console the terminal, or null to read stdin */
    HashPasswordCommand(Console console, InputStream stdin) {
        this.console = console;
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws IOException {
        char[] password = console != null ? fromConsole(console) : firstLine(stdin);
        try {
            if (password.length == 0) {
                throw UserError.usage("empty password");
            }
            String hash = BasicAuth.hash(password);
            spec.commandLine().getOut().println(hash);
            if (console != null) {
                spec.commandLine().getErr().printf("put it in the configuration:%n  metrics:%n"
                        + "    auth: { username: prometheus, password_hash: \"%s\" }%n", hash);
            }
            return Main.OK;
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static char[] fromConsole(Console console) {
        char[] first = console.readPassword("Password for scraping /metrics: ");
        char[] again = console.readPassword("Same password again: ");
        try {
            if (first == null || again == null) {
                throw UserError.usage("no password given");
            }
            if (!Arrays.equals(first, again)) {
                throw UserError.usage("the passwords differ");
            }
            return first.clone();
        } finally {
            if (first != null) {
                Arrays.fill(first, '\0');
            }
            if (again != null) {
                Arrays.fill(again, '\0');
            }
        }
    }

    /** The first line of {@code in} (UTF-8) without its line end; not a String, so it can be wiped. */
    private static char[] firstLine(InputStream in) throws IOException {
        Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
        char[] buffer = new char[MAX_CHARS];
        int length = 0;
        int c;
        while ((c = reader.read()) >= 0 && c != '\n') {
            if (length == buffer.length) {
                Arrays.fill(buffer, '\0');
                throw UserError.usage("password longer than " + MAX_CHARS + " characters");
            }
            buffer[length++] = (char) c;
        }
        if (length > 0 && buffer[length - 1] == '\r') {
            length--;
        }
        char[] line = Arrays.copyOf(buffer, length);
        Arrays.fill(buffer, '\0');
        return line;
    }
}
