package org.nvr.cli;

/** A failure to report as one line and an exit code, without a stack trace. */
final class UserError extends RuntimeException {
    private final int exitCode;

    UserError(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    static UserError usage(String message) {
        return new UserError(Main.USAGE, message);
    }

    static UserError failed(String message) {
        return new UserError(Main.FAILED, message);
    }

    int exitCode() {
        return exitCode;
    }
}
