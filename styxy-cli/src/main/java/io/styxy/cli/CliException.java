package io.styxy.cli;

/** A failure the user can act on: a message, what to do next, and the exit code it ends the command with. */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;
    private final String code;
    private final String hint;

    CliException(int exitCode, String code, String message, String hint) {
        super(message, null, false, false);
        this.exitCode = exitCode;
        this.code = code;
        this.hint = hint;
    }

    static CliException failed(String message, String hint) {
        return new CliException(ExitCodes.FAILED, "FAILED", message, hint);
    }

    static CliException usage(String message, String hint) {
        return new CliException(ExitCodes.USAGE, "USAGE", message, hint);
    }

    int exitCode() {
        return exitCode;
    }

    /** A short machine-readable code, e.g. the daemon's error code or DAEMON_UNREACHABLE. */
    String code() {
        return code;
    }

    /** What to do next, or null. */
    String hint() {
        return hint;
    }
}
