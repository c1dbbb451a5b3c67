package io.styxy.server.daemon;

import java.nio.file.Path;
import java.util.Map;

/**
 * How to run the daemon. Command-line flags win over environment variables, which win over defaults.
 *
 * @param home     state directory ({@code --home}, {@code STYXY_HOME}, default {@code ~/.styxy})
 * @param port     HTTP port on 127.0.0.1 ({@code --port}, {@code STYXY_DAEMON_PORT}, default 9876; 0 = any free)
 * @param socket   Unix socket ({@code --socket}, {@code STYXY_SOCKET}, default {@code $home/styxy.sock})
 * @param observer port observer to prefer ({@code --observer}), or {@code null} for config or the best one
 * @param plugins  extra plugins directory ({@code --plugins}), or {@code null}
 */
public record DaemonOptions(Path home, int port, Path socket, String observer, Path plugins) {

    public static final int DEFAULT_PORT = 9876;

    /** Parses {@code --port N --home DIR --socket PATH --observer NAME --plugins DIR} over the environment. */
    public static DaemonOptions parse(String[] args, Map<String, String> env) {
        String home = null;
        String port = env.get("STYXY_DAEMON_PORT");
        String socket = env.get("STYXY_SOCKET");
        String observer = null;
        String plugins = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg) {
                case "--home" -> home = require(arg, value);
                case "--port" -> port = require(arg, value);
                case "--socket" -> socket = require(arg, value);
                case "--observer" -> observer = require(arg, value);
                case "--plugins" -> plugins = require(arg, value);
                default -> throw new IllegalArgumentException("unknown option " + arg
                        + "; the daemon takes --port, --home, --socket, --observer and --plugins");
            }
            i++;
        }
        Path homeDir = io.styxy.server.config.StateDir.locate(home, env);
        int portNumber = DEFAULT_PORT;
        if (port != null && !port.isBlank()) {
            try {
                portNumber = Integer.parseInt(port.trim());
            } catch (NumberFormatException e) {
                portNumber = -1;
            }
            if (portNumber < 0 || portNumber > 65_535) {
                throw new IllegalArgumentException("the daemon port must be a number from 0 to 65535, got \"" + port
                        + "\"");
            }
        }
        return new DaemonOptions(homeDir, portNumber,
                socket == null || socket.isBlank() ? homeDir.resolve("styxy.sock") : Path.of(socket).toAbsolutePath(),
                observer, plugins == null ? null : Path.of(plugins).toAbsolutePath());
    }

    private static String require(String option, String value) {
        if (value == null || value.startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }
}
