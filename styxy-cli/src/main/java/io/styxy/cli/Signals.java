package io.styxy.cli;

import java.io.IOException;

import sun.misc.Signal;

/** Forwards SIGINT and SIGTERM from this process to a child (styxy run). */
final class Signals {

    private Signals() {
    }

    /**
     * From now on SIGTERM to styxy is sent on to the child, and so is SIGINT unless standard input is a terminal:
     * a Ctrl-C typed there already reaches the whole foreground process group, the child included, and a second
     * SIGINT would make many servers skip their graceful shutdown. styxy itself keeps waiting for the child.
     */
    static void forward(Process child, boolean interactive) {
        try {
            Signal.handle(new Signal("TERM"), s -> child.destroy());
            Signal.handle(new Signal("INT"), s -> {
                if (!interactive) {
                    send(child, "INT");
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // signal not available here (e.g. -Xrs): the JVM's own handling stays in place
        }
    }

    private static void send(Process child, String signal) {
        try {
            new ProcessBuilder("kill", "-s", signal, Long.toString(child.pid())).inheritIO().start();
        } catch (IOException e) {
            child.destroy(); // no kill(1): SIGTERM is the next best thing
        }
    }
}
