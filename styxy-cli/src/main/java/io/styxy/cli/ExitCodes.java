package io.styxy.cli;

/** The exit codes of the styxy command (documented in docs/cli.md). */
final class ExitCodes {
    /** Success (also a reused singleton, an idempotent stop, an "already running" start). */
    static final int OK = 0;
    /** The operation failed (daemon refused it, a check failed, a file could not be written). */
    static final int FAILED = 1;
    /** Bad command line: unknown command or option, missing or invalid argument. */
    static final int USAGE = 2;
    /** The daemon is not running or does not answer. */
    static final int UNREACHABLE = 3;
    /** The lease, port, instance or service type named does not exist. */
    static final int NOT_FOUND = 4;
    /** No free port: the service type's range is exhausted, or the request conflicts with a held port. */
    static final int NO_PORT = 5;
    /** The daemon refused the token: $STYXY_HOME/auth.token is missing or not the daemon's. */
    static final int AUTH = 6;
    /** run: the command could not be executed (not executable). */
    static final int CANNOT_EXECUTE = 126;
    /** run: the command was not found. */
    static final int COMMAND_NOT_FOUND = 127;

    private ExitCodes() {
    }
}
