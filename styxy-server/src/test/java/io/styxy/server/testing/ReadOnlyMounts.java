package io.styxy.server.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real read-only file systems for tests: a directory bind-mounted onto itself and remounted read-only, or a small
 * tmpfs. A permission bit is no test (root writes a 0555 directory), so these need mount rights (root, or
 * CAP_SYS_ADMIN); {@link #unavailable()} says why they cannot be had, for an assumption that skips with that reason.
 * Every mount made is undone by {@link #close()}, also after a failure.
 */
public final class ReadOnlyMounts implements AutoCloseable {

    private final List<Path> mounted = new ArrayList<>();

    /** Why mounts cannot be made here, or {@code null} when they can (tried once, on a scratch directory). */
    public static String unavailable() {
        try {
            Path scratch = Files.createTempDirectory("styxy-mount-probe");
            try {
                Result r = run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", scratch.toString());
                if (r.code() != 0) {
                    return "cannot mount here (needs root or CAP_SYS_ADMIN): " + r.output().strip();
                }
                run("umount", scratch.toString());
                return null;
            } finally {
                Files.deleteIfExists(scratch);
            }
        } catch (IOException e) {
            return "cannot run mount: " + e.getMessage();
        }
    }

    /** Bind-mounts {@code dir} onto itself and remounts that read-only: the files stay, writes fail with EROFS. */
    public void bindReadOnly(Path dir) throws IOException {
        must("mount", "--bind", dir.toString(), dir.toString());
        mounted.add(dir);
        must("mount", "-o", "remount,ro,bind", dir.toString());
    }

    /** A tmpfs of {@code megabytes} on {@code dir}. */
    public void tmpfs(Path dir, int megabytes) throws IOException {
        must("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m,mode=0700", "tmpfs", dir.toString());
        mounted.add(dir);
    }

    /** Remounts the tmpfs on {@code dir} read-only (fails while a file on it is open for writing). */
    public void remountReadOnly(Path dir) throws IOException {
        must("mount", "-o", "remount,ro", dir.toString());
    }

    /** Undoes {@code mount} on {@code dir} (the files under a bind mount are there again, writable). */
    public void unmount(Path dir) throws IOException {
        must("umount", dir.toString());
        mounted.remove(dir);
    }

    @Override
    public void close() throws IOException {
        for (Path dir : mounted.reversed()) {
            run("umount", "-l", dir.toString());
        }
        mounted.clear();
    }

    private record Result(int code, String output) {
    }

    private static void must(String... command) throws IOException {
        Result r = run(command);
        if (r.code() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + r.code() + "): " + r.output().strip());
        }
    }

    private static Result run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
    }
}
