package io.styxy.observers.support;

import io.styxy.api.spi.ObserverException;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Finds an external tool on {@code PATH} and runs it: absolute path, no shell, a timeout, C locale. */
public final class Tools {

    /** What a tool printed on standard output, and how it exited. */
    public record Output(byte[] stdout, int exitCode) {
    }

    private static final int MAX_OUTPUT = 64 << 20;

    private Tools() {
    }

    /** Whether this JVM runs on Linux. */
    public static boolean isLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
    }

    /**
     * The first executable regular file named {@code tool} in the directories of {@code path} (a {@code PATH}
     * value; {@code null} or empty means none). Relative directories are ignored: a tool must be found by an
     * absolute path, never through the current directory.
     */
    public static Optional<Path> findOnPath(String tool, String path) {
        if (path == null || path.isEmpty() || tool.indexOf('/') >= 0) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty() || !dir.startsWith("/")) {
                continue;
            }
            Path candidate = Path.of(dir, tool);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code tool args…} and returns its standard output. Standard error is discarded, standard input is
     * empty. The process (and its children) is killed when {@code timeout} passes.
     *
     * @throws ObserverException if it cannot start, times out, or prints more than 64 MiB
     */
    public static Output run(Path tool, List<String> args, Duration timeout) throws ObserverException {
        List<String> command = new ArrayList<>(args.size() + 1);
        command.add(tool.toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("LC_ALL", "C");
        pb.environment().put("LANG", "C");
        long deadline = System.nanoTime() + timeout.toNanos();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new ObserverException("cannot run " + tool + ": " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> stdout = new CompletableFuture<>();
        Thread.ofVirtual().name("styxy-tool-reader").start(() -> {
            try (InputStream in = process.getInputStream()) {
                stdout.complete(readCapped(in));
            } catch (IOException | RuntimeException e) {
                stdout.completeExceptionally(e);
            }
        });
        try {
            long left = deadline - System.nanoTime();
            if (!process.waitFor(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
                kill(process);
                throw new ObserverException(tool.getFileName() + " did not finish within " + timeout.toMillis()
                        + " ms and was killed");
            }
            left = deadline - System.nanoTime();
            byte[] out = stdout.get(Math.max(left, 1_000_000L), TimeUnit.NANOSECONDS);
            return new Output(out, process.exitValue());
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new ObserverException(tool.getFileName() + " was interrupted", e);
        } catch (TimeoutException e) {
            kill(process);
            throw new ObserverException(tool.getFileName() + " kept its output open past " + timeout.toMillis()
                    + " ms", e);
        } catch (ExecutionException e) {
            kill(process);
            throw new ObserverException("cannot read the output of " + tool.getFileName() + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    private static byte[] readCapped(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 << 10);
        byte[] buf = new byte[16 << 10];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            if (out.size() > MAX_OUTPUT) {
                throw new IOException("more than " + (MAX_OUTPUT >> 20) + " MiB of output");
            }
        }
        return out.toByteArray();
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
