package io.styxy.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Entry point of the styxy command. {@link #run} is the whole command; {@link #main} only exits with its code. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals(AotTraining.ARG)) {
            AotTraining.run();
            System.exit(0); // a normal exit writes the AOT cache
        }
        java.io.Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out),
                StandardCharsets.UTF_8), false);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err),
                StandardCharsets.UTF_8), true);
        int code = Cli.run(Ctx.system(out, err, terminal), args);
        out.flush();
        err.flush();
        if (Boolean.getBoolean("styxy.keepRunning")) {
            System.exit(code); // run shutdown hooks (tests, tools)
        }
        // Nothing is left to clean up: halting skips the shutdown machinery and saves a few milliseconds.
        Runtime.getRuntime().halt(code);
    }

    /**
     * Runs one styxy command line in this JVM and returns its exit code, writing to the given streams. Reads the
     * process environment and working directory.
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return Cli.run(Ctx.system(out, err, false), args);
    }
}
