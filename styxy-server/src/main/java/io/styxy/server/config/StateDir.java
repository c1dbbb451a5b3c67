package io.styxy.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * The daemon's state directory, {@code $STYXY_HOME} (default {@code ~/.styxy}), mode 0700, and the files in it.
 * Every file the daemon writes there is 0600.
 */
public final class StateDir {

    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private final Path root;

    private StateDir(Path root) {
        this.root = root;
    }

    /** {@code $STYXY_HOME}, else {@code ~/.styxy}; an explicit directory wins over both. */
    public static Path locate(String explicit, Map<String, String> env) {
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        String home = env.get("STYXY_HOME");
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath();
        }
        return Path.of(System.getProperty("user.home"), ".styxy");
    }

    /** Creates the directory (0700) and its subdirectories if needed, and tightens a directory that is too open. */
    public static StateDir open(Path root) throws IOException {
        Files.createDirectories(root, PosixFilePermissions.asFileAttribute(DIR_MODE));
        Files.setPosixFilePermissions(root, DIR_MODE);
        for (String sub : new String[]{"logs", "config-backups", "plugins"}) {
            Path dir = root.resolve(sub);
            if (Files.notExists(dir)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
            }
        }
        return new StateDir(root);
    }

    public Path root() {
        return root;
    }

    public Path configFile() {
        return root.resolve("config.json");
    }

    public Path database() {
        return root.resolve("styxy.db");
    }

    public Path lockFile() {
        return root.resolve("daemon.lock");
    }

    public Path daemonInfo() {
        return root.resolve("daemon.json");
    }

    public Path tokenFile() {
        return root.resolve("auth.token");
    }

    public Path auditLog() {
        return root.resolve("audit.log");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    public Path configBackups() {
        return root.resolve("config-backups");
    }

    public Path plugins() {
        return root.resolve("plugins");
    }

    public Path defaultSocket() {
        return root.resolve("styxy.sock");
    }

    /** The API token: reused if a good one exists, else 32 random bytes as 64 hex characters, written 0600. */
    public String token() throws IOException {
        Path file = tokenFile();
        if (Files.exists(file)) {
            String existing = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (existing.length() >= 32 && existing.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                Files.setPosixFilePermissions(file, FILE_MODE);
                return existing;
            }
        }
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        writeAtomically(file, token + "\n");
        return token;
    }

    /** Writes a file next to its final place (0600), forces it to disk, and renames it over the target. */
    public static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(FILE_MODE));
        try (var channel = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
