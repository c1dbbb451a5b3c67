package io.styxy.cli;

/** Entry point of the styxy command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.err.println("styxy: the command-line client is not built yet");
        System.exit(1);
    }
}
