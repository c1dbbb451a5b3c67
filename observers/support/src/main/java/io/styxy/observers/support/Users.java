package io.styxy.observers.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

/**
 * User names by uid, from {@code /etc/passwd}: read once, and read again only when the file changes (its
 * modification time is looked at no more than once a second). Users that live elsewhere (LDAP, systemd-homed) show
 * as their numeric uid; resolving them would mean NSS calls or a fork, neither worth it here.
 */
public final class Users {

    private static final Users SYSTEM = new Users(Path.of("/etc/passwd"));
    private static final long RECHECK_NANOS = 1_000_000_000L;

    private final Path passwd;
    private volatile Map<Integer, String> names = Map.of();
    private volatile FileTime loadedVersion;
    private volatile long checkedAt = Long.MIN_VALUE;

    Users(Path passwd) {
        this.passwd = passwd;
    }

    /** The machine's users. */
    public static Users system() {
        return SYSTEM;
    }

    /** For tests: the users of another passwd file. */
    public static Users from(Path passwd) {
        return new Users(passwd);
    }

    /** The user name of {@code uid}, its number as text when unknown, or empty for a negative uid. */
    public String name(long uid) {
        if (uid < 0) {
            return "";
        }
        refreshIfChanged();
        String name = names.get((int) uid);
        return name != null ? name : Long.toString(uid);
    }

    private void refreshIfChanged() {
        long now = System.nanoTime();
        if (loadedVersion != null && now - checkedAt < RECHECK_NANOS) {
            return;
        }
        synchronized (this) {
            if (loadedVersion != null && now - checkedAt < RECHECK_NANOS) {
                return;
            }
            checkedAt = now;
            try {
                FileTime version = Files.getLastModifiedTime(passwd);
                if (!version.equals(loadedVersion)) {
                    names = parse(Files.readString(passwd, StandardCharsets.UTF_8));
                    loadedVersion = version;
                }
            } catch (IOException | RuntimeException e) {
                loadedVersion = FileTime.fromMillis(0);
            }
        }
    }

    /** {@code name:password:uid:gid:gecos:home:shell} lines; comments, blanks and NIS markers are skipped. */
    static Map<Integer, String> parse(String text) {
        Map<Integer, String> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) {
                continue;
            }
            String[] f = line.split(":", -1);
            if (f.length < 3 || f[0].isEmpty()) {
                continue;
            }
            try {
                out.putIfAbsent(Integer.parseInt(f[2].strip()), f[0]);
            } catch (NumberFormatException e) {
                // not a passwd row
            }
        }
        return Map.copyOf(out);
    }
}
