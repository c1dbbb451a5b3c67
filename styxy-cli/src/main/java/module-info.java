/**
 * The styxy command-line client. Talks to the daemon over a plain socket and loads no server code. picocli is
 * compiled into this module from its released sources (current bytecode, so the JDK's AOT cache can keep it).
 */
module io.styxy.cli {
    requires jdk.unsupported; // sun.misc.Signal: `styxy run` forwards SIGINT/SIGTERM to its child

    exports io.styxy.cli; // Main.run(out, err, args) and the ToolProvider; all else is package-private

    provides java.util.spi.ToolProvider with io.styxy.cli.StyxyToolProvider;
}
