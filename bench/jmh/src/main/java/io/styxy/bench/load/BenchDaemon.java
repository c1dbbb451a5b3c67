package io.styxy.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged daemon as its own process with a private STYXY_HOME, on a port the kernel picks, started the way
 * {@code styxy daemon start} starts it. Java and module path come from {@code STYXY_BENCH_JAVA} and
 * {@code STYXY_BENCH_MODULES}; extra JVM flags replace the defaults when {@code STYXY_BENCH_DAEMON_OPTS} is set.
 */
public final class BenchDaemon implements AutoCloseable {

    /** Where the CLI's {@code daemon start} flags live, relative to the repository root (the working directory). */
    public static final Path OPTIONS_FILE = Path.of("styxy-cli/src/main/resources/io/styxy/cli/daemon.jvm-options");

    /** The flags the CLI's {@code daemon start} uses, read from {@link #OPTIONS_FILE}. */
    public static String defaultOpts() {
        try {
            return String.join(" ", java.nio.file.Files.readAllLines(OPTIONS_FILE).stream()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the daemon's JVM flags from " + OPTIONS_FILE.toAbsolutePath()
                    + " (run from the repository root, or set STYXY_BENCH_DAEMON_OPTS): " + e.getMessage(), e);
        }
    }
    private static final Pattern PORT = Pattern.compile("\"http_port\"\\s*:\\s*(\\d+)");

    private final Path home;
    private final Process process;
    private final int port;
    private final String token;

    private BenchDaemon(Path home, Process process, int port, String token) {
        this.home = home;
        this.process = process;
        this.port = port;
        this.token = token;
    }

    public static List<String> command(Path home) {
        String java = System.getenv().getOrDefault("STYXY_BENCH_JAVA",
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Absolute, as the CLI passes it: the AOT cache names the module path it was made with.
        String modules = Path.of(System.getenv().getOrDefault("STYXY_BENCH_MODULES", "styxy-server/target/modules"))
                .toAbsolutePath().toString();
        String opts = System.getenv("STYXY_BENCH_DAEMON_OPTS") != null
                ? System.getenv("STYXY_BENCH_DAEMON_OPTS") : defaultOpts();
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(Arrays.stream(opts.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
        // With the daemon's AOT cache when the build made one, as `styxy daemon start` passes it.
        Path aot = Path.of(modules).resolveSibling("styxy-daemon.aot");
        if (System.getenv("STYXY_BENCH_DAEMON_OPTS") == null && Files.isRegularFile(aot)) {
            cmd.addAll(List.of("-XX:AOTCache=" + aot, "-Xlog:aot*=error,cds*=error"));
        }
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED,org.xerial.sqlitejdbc,io.styxy.observers.netlink,io.styxy.server", "-p", modules,
                "-m", "io.styxy.server/io.styxy.server.daemon.DaemonMain",
                "--home", home.toString(), "--port", "0", "--socket", home.resolve("styxy.sock").toString()));
        return cmd;
    }

    /** The daemon's stdout and stderr, beside its home (which may be read-only). */
    public static Path output(Path home) {
        return home.resolveSibling(home.getFileName() + ".out");
    }

    public static Process launch(Path home) throws IOException {
        Files.createDirectories(home);
        Files.deleteIfExists(home.resolve("daemon.json"));
        ProcessBuilder pb = new ProcessBuilder(command(home)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output(home).toFile()));
        pb.environment().remove("LD_PRELOAD");
        pb.environment().remove("STYXY_DAEMON_PORT");
        pb.environment().put("STYXY_DISABLE_REASSIGN", "1");
        return pb.start();
    }

    /** Starts the daemon and waits until {@code /status} answers 200. */
    public static BenchDaemon start(Path home) throws Exception {
        return attach(home, launch(home), 60);
    }

    /**
     * Waits until a launched daemon answers {@code /status}; fails if it exits or takes too long. A daemon on a
     * read-only home writes its daemon.json to the runtime directory instead of the home: looked for there too.
     */
    public static BenchDaemon attach(Path home, Process process, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Path runtime = io.styxy.server.config.StateDir.runtimeDir()
                .resolve(io.styxy.server.config.StateDir.runtimeKey(home) + ".json");
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited with " + process.exitValue() + ": "
                        + Files.readString(output(home)));
            }
            Path info = Files.exists(home.resolve("daemon.json")) ? home.resolve("daemon.json") : runtime;
            if (Files.exists(info)) {
                Matcher m = PORT.matcher(Files.readString(info));
                if (m.find()) {
                    BenchDaemon d = new BenchDaemon(home, process, Integer.parseInt(m.group(1)),
                            Files.readString(home.resolve("auth.token")).trim());
                    try (MiniHttp http = d.http()) {
                        if (http.call("GET", "/status", null).status() == 200) {
                            return d;
                        }
                    } catch (IOException e) {
                        // not yet
                    }
                }
            }
            Thread.sleep(20);
        }
        process.destroyForcibly();
        throw new IllegalStateException("daemon did not answer within " + seconds + " s: "
                + Files.readString(output(home)));
    }

    public MiniHttp http() {
        return new MiniHttp("127.0.0.1", port, token);
    }

    /** Whether the Unix socket endpoint is there and answers PING. */
    public boolean socketAnswers() {
        if (!Files.exists(socket())) {
            return false;
        }
        try (LineClient c = new LineClient(socket())) {
            return c.call("PING").startsWith("OK");
        } catch (IOException e) {
            return false;
        }
    }

    public Path socket() {
        return home.resolve("styxy.sock");
    }

    public Path home() {
        return home;
    }

    public int port() {
        return port;
    }

    public String token() {
        return token;
    }

    public Process process() {
        return process;
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            kill9();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                stop();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------ answers

    private static final Pattern LOCK = Pattern.compile("\"lock_id\"\\s*:\\s*\"([0-9a-fA-F-]{36})\"");
    private static final Pattern PORT_FIELD = Pattern.compile("\"port\"\\s*:\\s*(\\d+)");

    public static String lockOf(String body) {
        Matcher m = LOCK.matcher(body);
        return m.find() ? m.group(1) : null;
    }

    public static int portOf(String body) {
        Matcher m = PORT_FIELD.matcher(body);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    /** Every lock id in a {@code GET /allocations} answer. */
    public static List<String> locksOf(String body) {
        List<String> out = new ArrayList<>();
        Matcher m = LOCK.matcher(body);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
