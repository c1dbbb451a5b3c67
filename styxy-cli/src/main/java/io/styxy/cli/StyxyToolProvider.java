package io.styxy.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.spi.ToolProvider;

/** The styxy command as a {@link ToolProvider} named "styxy". */
public final class StyxyToolProvider implements ToolProvider {

    /** Needed by the service loader. */
    public StyxyToolProvider() {
    }

    @Override
    public String name() {
        return Cli.NAME;
    }

    @Override
    public Optional<String> description() {
        return Optional.of("Command-line client of the Styxy port coordination daemon");
    }

    @Override
    public int run(PrintWriter out, PrintWriter err, String... args) {
        return Main.run(out, err, args);
    }
}
