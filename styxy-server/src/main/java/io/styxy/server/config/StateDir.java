package io.styxy.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * The daemon's state directory, {@code $STYXY_HOME} (default {@code ~/.styxy}), mode 0700, and the files in it.
 * Every file the daemon writes there is 0600.
 *
 * <p>A directory on a read-only file system is opened as it is ({@link #readOnly()}): nothing is created or
 * tightened, and what the daemon must still write somewhere (its lock, {@code daemon.json}) goes to
 * {@link #runtimeDir()} under a name made from the directory's real path instead.
 */
public final class StateDir {

    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private final Path root;
    private final ReadOnlyCheck check;
    /** Why the directory is read-only, or {@code null} when it was writable at open. */
    private final String readOnlyReason;

    private StateDir(Path root, ReadOnlyCheck check, String readOnlyReason) {
        this.root = root;
        this.check = check;
        this.readOnlyReason = readOnlyReason;
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

    /**
     * Creates the directory (0700) and its subdirectories if needed, and tightens a directory that is too open;
     * an existing directory on a read-only file system is opened read-only, untouched.
     */
    public static StateDir open(Path root) throws IOException {
        return open(root, ReadOnlyCheck.FILE_SYSTEM);
    }

    /** {@link #open(Path)} with the given read-only check (tests). */
    public static StateDir open(Path root, ReadOnlyCheck check) throws IOException {
        if (Files.isDirectory(root)) {
            String why = check.readOnly(root);
            if (why != null) {
                return new StateDir(root, check, why);
            }
        }
        try {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (FileSystemException e) {
            Path parent = root.toAbsolutePath().getParent();
            String why = parent == null ? null : check.readOnly(nearestExisting(parent));
            if (why != null) {
                throw new IOException("STYXY_HOME " + root + " does not exist and cannot be created there ("
                        + why + "); point STYXY_HOME at a writable directory", e);
            }
            throw e;
        }
        Files.setPosixFilePermissions(root, DIR_MODE);
        for (String sub : new String[]{"logs", "config-backups", "plugins"}) {
            Path dir = root.resolve(sub);
            if (Files.notExists(dir)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
            }
        }
        return new StateDir(root, check, null);
    }

    private static Path nearestExisting(Path dir) {
        Path p = dir;
        while (p != null && !Files.isDirectory(p)) {
            p = p.getParent();
        }
        return p == null ? dir : p;
    }

    /** Whether the directory was on a read-only file system at open: the daemon then serves reads only. */
    public boolean readOnly() {
        return readOnlyReason != null;
    }

    /** The refusal every change gets while the directory is read-only, or {@code null} when it was writable. */
    public String readOnlyMessage() {
        return readOnlyReason == null ? null : readOnlyMessage(root, readOnlyReason);
    }

    /**
     * Looks again, now (after a write failed): the refusal when the directory has become read-only since the
     * daemon started (a remount, or the kernel after a file-system error), else {@code null}.
     */
    public String readOnlyNow() {
        String why = check.readOnly(root);
        return why == null ? null : readOnlyMessage(root, why);
    }

    /** What a client is told when its change is refused because {@code root} is read-only: the place and the fix. */
    public static String readOnlyMessage(Path root, String reason) {
        return "STYXY_HOME " + root + " is read-only (" + reason + "): remount it read-write or point STYXY_HOME"
                + " at a writable directory, then restart the daemon";
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

    /**
     * The API token: reused if a good one exists, else 32 random bytes as 64 hex characters, written 0600. A
     * read-only directory must already hold a good one: a token the daemon cannot write is one no client can read.
     */
    public String token() throws IOException {
        Path file = tokenFile();
        if (Files.exists(file)) {
            String existing = Files.readString(file, StandardCharsets.US_ASCII).trim();
            if (existing.length() >= 32 && existing.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                if (!readOnly()) {
                    Files.setPosixFilePermissions(file, FILE_MODE);
                }
                return existing;
            }
        }
        if (readOnly()) {
            throw new IOException("STYXY_HOME " + root + " is read-only (" + readOnlyReason + ") and holds no usable "
                    + file.getFileName() + ", so no client could authenticate: start the daemon once on it while it"
                    + " is writable (that writes the token), or point STYXY_HOME at a writable directory");
        }
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        writeAtomically(file, token + "\n");
        return token;
    }

    // ------------------------------------------------------------------ beside a read-only directory

    /**
     * Where a daemon whose state directory is read-only keeps its lock and {@code daemon.json}:
     * {@code ${java.io.tmpdir}/styxy-${user.name}}, 0700, made if needed. Refused when it is a symbolic link or
     * belongs to someone else, so nobody else can plant or read what is there.
     */
    public static Path runtimeDir() throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "styxy-" + System.getProperty("user.name"));
        if (Files.notExists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // made meanwhile; checked below
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " is not a directory; remove it so the daemon can make its own");
        }
        String owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS).getName();
        if (!owner.equals(System.getProperty("user.name"))) {
            throw new IOException(dir + " belongs to " + owner + ", not to " + System.getProperty("user.name")
                    + "; remove it so the daemon can make its own");
        }
        Files.setPosixFilePermissions(dir, DIR_MODE);
        return dir;
    }

    /**
     * The name of {@code home}'s files in {@link #runtimeDir()}: the first 16 hex digits of the SHA-256 of its real
     * path, so two spellings of one directory (a symbolic link, a relative path) share one lock. The CLI computes
     * the same name to find {@code daemon.json} there.
     */
    public static String runtimeKey(Path home) throws IOException {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(home.toRealPath().toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /** The lock a daemon on this read-only directory holds instead of {@code daemon.lock}. */
    public Path runtimeLockFile() throws IOException {
        return runtimeDir().resolve(runtimeKey(root) + ".lock");
    }

    /** {@code daemon.json} of a daemon on this read-only directory. */
    public Path runtimeDaemonInfo() throws IOException {
        return runtimeDir().resolve(runtimeKey(root) + ".json");
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
