package io.styxy.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** The daemon's files in $STYXY_HOME that the client reads: daemon.json and auth.token. */
final class DaemonFiles {

    /** The content of daemon.json. */
    record Info(long pid, int httpPort, String socket, String version, String startedAt) {
        /** The recorded HTTP port if it is a usable one. */
        boolean hasPort() {
            return httpPort > 0 && httpPort < 65536;
        }

        boolean alive() {
            return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private DaemonFiles() {
    }

    static Path daemonJson(Ctx ctx) {
        return ctx.home().resolve("daemon.json");
    }

    static Path tokenFile(Ctx ctx) {
        return ctx.home().resolve("auth.token");
    }

    /** daemon.json, or null when it is absent or unreadable. */
    static Info read(Ctx ctx) {
        String text;
        try {
            text = Files.readString(daemonJson(ctx));
        } catch (IOException e) {
            return null;
        }
        try {
            Map<String, Object> m = Json.parseObject(text);
            return new Info(Json.num(m.get("pid"), -1), (int) Json.num(m.get("http_port"), -1),
                    Json.str(m.get("socket")), Json.str(m.get("version")), Json.str(m.get("started_at")));
        } catch (Json.JsonException e) {
            return null; // being rewritten, or damaged: treat as absent
        }
    }

    /** The bearer token, or null when there is none. */
    static String token(Ctx ctx) {
        try {
            String t = Files.readString(tokenFile(ctx)).trim();
            return t.isEmpty() ? null : t;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw CliException.failed("Cannot read the token " + tokenFile(ctx) + ": " + e.getMessage(),
                    "Check the permissions of " + ctx.home() + " (styxy doctor).");
        }
    }
}
