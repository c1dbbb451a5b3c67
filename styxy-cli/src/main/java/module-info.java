/** The styxy command-line client. Talks to the daemon over a raw socket; loads no server code. */
module io.styxy.cli {
    requires info.picocli;

    opens io.styxy.cli to info.picocli;
}
