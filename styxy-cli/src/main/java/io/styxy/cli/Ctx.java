package io.styxy.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What one invocation of the command sees of the world: its output streams, environment and working directory.
 * Tests build their own; {@link #system} reads the real process.
 */
final class Ctx {
    final PrintWriter out;
    final PrintWriter err;
    final Map<String, String> env;
    final Path cwd;
    final Path userHome;
    /** Colour and other terminal niceties on standard output. */
    final boolean color;
    /** Standard input is a terminal (run: the terminal delivers Ctrl-C to the child itself). */
    final boolean interactive;

    Ctx(PrintWriter out, PrintWriter err, Map<String, String> env, Path cwd, Path userHome, boolean color,
        boolean interactive) {
        this.out = out;
        this.err = err;
        this.env = env;
        this.cwd = cwd;
        this.userHome = userHome;
        this.color = color;
        this.interactive = interactive;
    }

    static Ctx system(PrintWriter out, PrintWriter err, boolean terminal) {
        Map<String, String> env = System.getenv();
        boolean color = terminal && env.get("NO_COLOR") == null && !"dumb".equals(env.get("TERM"));
        return new Ctx(out, err, env, Path.of("").toAbsolutePath(), Path.of(System.getProperty("user.home")), color,
                terminal);
    }

    String env(String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /** $STYXY_HOME, default ~/.styxy. */
    Path home() {
        String h = env("STYXY_HOME");
        return h != null ? cwd.resolve(h) : userHome.resolve(".styxy");
    }

    Path socket() {
        String s = env("STYXY_SOCKET");
        return s != null ? cwd.resolve(s) : home().resolve("styxy.sock");
    }

    /** The interposer library: $STYXY_PRELOAD_LIBRARY, else the one built beside this client in the source tree. */
    Path preloadLibrary() {
        String p = env("STYXY_PRELOAD_LIBRARY");
        if (p != null) {
            return cwd.resolve(p).toAbsolutePath().normalize();
        }
        Path root = Locations.projectRoot();
        return root == null ? null : root.resolve("interposer/target/libstyxy-interpose.so");
    }

    String ansi(String code, String text) {
        return color ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
    }

    String green(String text) {
        return ansi("32", text);
    }

    String yellow(String text) {
        return ansi("33", text);
    }

    String red(String text) {
        return ansi("31", text);
    }

    String bold(String text) {
        return ansi("1", text);
    }

    String dim(String text) {
        return ansi("2", text);
    }

    static boolean isRegularFile(Path p) {
        return p != null && Files.isRegularFile(p);
    }
}
