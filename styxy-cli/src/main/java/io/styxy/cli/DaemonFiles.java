package io.styxy.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The daemon's files in $STYXY_HOME that the client reads: daemon.json and auth.token. A daemon whose home is
 * read-only cannot write daemon.json there; it writes it to the runtime directory
 * ({@code ${java.io.tmpdir}/styxy-${user.name}}) under a name made from the home's real path, where
 * {@link #read} finds it too.
 */
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

    /**
     * daemon.json: the home's, unless a daemon on the read-only home wrote one in the runtime directory and runs;
     * null when there is none or it is unreadable.
     */
    static Info read(Ctx ctx) {
        Info inHome = read(daemonJson(ctx));
        if (inHome != null && inHome.alive()) {
            return inHome;
        }
        Path runtime = runtimeDaemonJson(ctx);
        Info beside = runtime == null ? null : read(runtime);
        return beside != null && (beside.alive() || inHome == null) ? beside : inHome;
    }

    private static Info read(Path file) {
        String text;
        try {
            text = Files.readString(file);
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

    // ------------------------------------------------------------------ a read-only home

    /** Where a daemon on a read-only home keeps daemon.json (and where 'daemon start' puts its log then). */
    static Path runtimeDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "styxy-" + System.getProperty("user.name"));
    }

    /**
     * The name of the home's files in {@link #runtimeDir()}: the first 16 hex digits of the SHA-256 of the home's
     * real path, as the daemon computes it (StateDir.runtimeKey); null when the home does not exist.
     */
    static String runtimeKey(Path home) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(home.toRealPath().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (IOException e) {
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /** daemon.json of a daemon on this (read-only) home, or null when the home does not exist. */
    static Path runtimeDaemonJson(Ctx ctx) {
        String key = runtimeKey(ctx.home());
        return key == null ? null : runtimeDir().resolve(key + ".json");
    }

    /** The log 'daemon start' writes when the home is read-only: beside the daemon's runtime files, 0700. */
    static Path runtimeLog(Ctx ctx) throws IOException {
        Path dir = runtimeDir();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        String key = runtimeKey(ctx.home());
        return dir.resolve((key == null ? "unknown" : key) + ".out");
    }

    /**
     * Whether the home is on a read-only file system (a read-only mount or bind mount, or one the kernel made
     * read-only): asked of the file system, then of a probe file created and deleted there, never guessed from
     * permission bits (which do not stop root, and whose EACCES is no read-only file system).
     */
    static boolean readOnlyHome(Ctx ctx) {
        Path home = ctx.home();
        if (!Files.isDirectory(home)) {
            return false;
        }
        try {
            if (Files.getFileStore(home).isReadOnly()) {
                return true;
            }
        } catch (IOException e) {
            // the probe decides
        }
        Path probe = home.resolve(".styxy-probe-" + ProcessHandle.current().pid());
        try {
            Files.deleteIfExists(probe);
            Files.createFile(probe);
            Files.delete(probe);
            return false;
        } catch (IOException e) {
            return isReadOnlyFileSystem(e);
        }
    }

    /** Whether a failed write says the file system is read-only (EROFS, in the C locale's words). */
    static boolean isReadOnlyFileSystem(IOException e) {
        return e instanceof FileSystemException f && "Read-only file system".equals(f.getReason());
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
