package io.styxy.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs the command in this JVM with a private environment and captures what it prints. */
final class CliHarness {

    record Result(int code, String out, String err) {
        Map<String, Object> json() {
            return Json.parseObject(out);
        }
    }

    final Map<String, String> env = new HashMap<>();
    final Path home;
    final Path cwd;

    CliHarness(Path tmp) throws IOException {
        home = tmp.resolve("home");
        cwd = Files.createDirectories(tmp.resolve("work"));
        env.put("STYXY_HOME", home.toString());
        env.put("PATH", System.getenv("PATH"));
    }

    CliHarness port(int port) {
        env.put("STYXY_DAEMON_PORT", Integer.toString(port));
        return this;
    }

    CliHarness token(String token) throws IOException {
        Files.createDirectories(home);
        Files.writeString(home.resolve("auth.token"), token + "\n");
        return this;
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Ctx ctx = new Ctx(new PrintWriter(out), new PrintWriter(err), env, cwd, home.getParent().resolve("user"),
                false, false);
        int code = Cli.run(ctx, args);
        return new Result(code, out.toString(), err.toString());
    }
}
