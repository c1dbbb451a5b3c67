package io.styxy.server.daemon;

import io.styxy.server.config.ConfigException;
import io.styxy.server.os.CompilerThreads;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * {@code java -m io.styxy.server/io.styxy.server.daemon.DaemonMain [--port N] [--home DIR] [--socket PATH]
 * [--observer NAME] [--plugins DIR]}. Runs until SIGTERM or SIGINT.
 *
 * <p>{@code STYXY_DAEMON_JIT}: {@code background} (default; the JIT's threads in {@code SCHED_IDLE}) or
 * {@code normal}.
 *
 * <p>Exit codes: 0 clean stop, 1 failure, 2 bad options or configuration, 3 already running.
 */
public final class DaemonMain {

    private DaemonMain() {
    }

    public static void main(String[] args) {
        String jit = System.getenv("STYXY_DAEMON_JIT");
        if (jit != null && !jit.isBlank() && !jit.equals("background") && !jit.equals("normal")) {
            System.err.println("styxy daemon: STYXY_DAEMON_JIT must be \"background\" (the default) or \"normal\","
                    + " got \"" + jit + "\"");
            System.exit(2);
            return;
        }
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %5$s%6$s%n");
        DaemonOptions options;
        try {
            options = DaemonOptions.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("styxy daemon: " + e.getMessage());
            System.exit(2);
            return;
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(options);
        } catch (AlreadyRunningException e) {
            System.err.println("styxy daemon: " + e.getMessage());
            System.exit(3);
            return;
        } catch (ConfigException e) {
            System.err.println("styxy daemon: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        } catch (IOException | RuntimeException e) {
            System.err.println("styxy daemon: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        backgroundJit(jit);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
            // A stop by SIGTERM/SIGINT is the normal way out: report success, not 128+signal.
            Runtime.getRuntime().halt(0);
        }, "styxy-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Unless {@code STYXY_DAEMON_JIT=normal}: the JIT compiles only on CPU nothing else wants, so a compilation never
     * delays an answer (see {@link CompilerThreads}). Not being able to is no reason to stop.
     */
    private static void backgroundJit(String setting) {
        if ("normal".equals(setting)) {
            return;
        }
        try {
            CompilerThreads.moveToIdleClass();
        } catch (IOException | RuntimeException | LinkageError e) {
            Logger.getLogger(DaemonMain.class.getName()).warning("styxy: the JIT keeps its normal priority: "
                    + e.getMessage());
        }
    }
}
