package io.styxy.server.config;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Whether a directory is on a read-only file system, as the kernel says it, never guessed from permission bits (root
 * writes a 0555 directory; a read-only mount refuses even root). {@link #FILE_SYSTEM} asks
 * {@link java.nio.file.FileStore#isReadOnly()} (a read-only mount or bind mount), then creates and deletes a probe
 * file: a failure with {@code EROFS} also finds a file system the kernel made read-only after an error (ext4's
 * {@code errors=remount-ro}, which the mount options do not show). Tests pass their own check.
 */
@FunctionalInterface
public interface ReadOnlyCheck {

    /** Why {@code dir} cannot be written because its file system is read-only, or {@code null} when it can be. */
    String readOnly(Path dir);

    /** The real check, see the class comment. */
    ReadOnlyCheck FILE_SYSTEM = Probe::readOnly;

    /** A check that never finds a read-only file system. */
    ReadOnlyCheck NEVER = dir -> null;

    /** The file-system check. */
    final class Probe {

        /** {@code strerror(EROFS)} in the C locale, as {@link FileSystemException#getReason()} gives it. */
        static final String EROFS = "Read-only file system";
        private static final AtomicLong SEQ = new AtomicLong();

        private Probe() {
        }

        static String readOnly(Path dir) {
            try {
                if (Files.getFileStore(dir).isReadOnly()) {
                    return "read-only file system";
                }
            } catch (IOException e) {
                // a directory that cannot be looked at is found out by the probe below, or by whoever uses it
            }
            Path probe = dir.resolve(".styxy-probe-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet());
            try {
                Files.newByteChannel(probe, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)).close();
                Files.deleteIfExists(probe);
                return null;
            } catch (NoSuchFileException e) {
                return null; // no directory: nothing to say about its file system
            } catch (FileSystemException e) {
                return EROFS.equals(e.getReason()) || mountedReadOnly(dir) ? "read-only file system" : null;
            } catch (IOException e) {
                return null;
            }
        }

        /**
         * Whether {@code /proc/self/mountinfo} marks the mount holding {@code dir} read-only ({@code ro} in its
         * mount or super options, or ext4's {@code emergency_ro}): the locale-free answer when a probe failed with
         * a message that is not the C locale's.
         */
        static boolean mountedReadOnly(Path dir) {
            try {
                return mountedReadOnly(dir.toRealPath().toString(), Files.readAllLines(Path.of("/proc/self/mountinfo")));
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        /** The same, on the lines of a mountinfo file. */
        static boolean mountedReadOnly(String realDir, List<String> mountinfo) {
            String best = null;
            boolean readOnly = false;
            for (String line : mountinfo) {
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (f.length < 6 || dash < 6 || f.length < dash + 4) {
                    continue;
                }
                String mountPoint = f[4].replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n")
                        .replace("\\134", "\\");
                boolean contains = realDir.equals(mountPoint) || mountPoint.equals("/")
                        || realDir.startsWith(mountPoint + "/");
                // Later lines are mounted over earlier ones at the same place: the last, longest match wins.
                if (contains && (best == null || mountPoint.length() >= best.length())) {
                    best = mountPoint;
                    List<String> mountOptions = List.of(f[5].split(","));
                    List<String> superOptions = List.of(f[dash + 3].split(","));
                    readOnly = mountOptions.contains("ro") || superOptions.contains("ro")
                            || superOptions.contains("emergency_ro");
                }
            }
            return readOnly;
        }
    }
}
