package io.styxy.cli;

import static io.styxy.cli.Cli.command;
import static io.styxy.cli.Cli.examples;
import static io.styxy.cli.Cli.flag;
import static io.styxy.cli.Cli.flagSet;
import static io.styxy.cli.Cli.jsonOption;
import static io.styxy.cli.Cli.option;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/** styxy daemon start|stop|status|restart|install-service. */
final class DaemonCommands {
    static final String DAEMON_MAIN = "io.styxy.server/io.styxy.server.daemon.DaemonMain";
    /** The daemon's AOT cache, which the build writes beside the modules directory. */
    static final String AOT_CACHE = "styxy-daemon.aot";
    /** The modules of the daemon that call native code (sqlite-jdbc, the netlink observer). */
    static final String NATIVE_ACCESS =
            "--enable-native-access=ALL-UNNAMED,org.xerial.sqlitejdbc,io.styxy.observers.netlink,io.styxy.server";
    /** The daemon's exit code when another daemon holds the lock. */
    static final int DAEMON_ALREADY_RUNNING = 3;

    private DaemonCommands() {
    }

    static CommandSpec spec() {
        CommandSpec start = command("start", DaemonCommands::start, "Start the daemon in the background.",
                "Returns once the daemon answers (at most --timeout seconds). If a daemon already runs for this "
                        + "STYXY_HOME, says so and changes nothing (exit 0). With --foreground the daemon runs "
                        + "attached to this terminal and styxy returns its exit code (for systemd).");
        addStartOptions(start);
        examples(start, "styxy daemon start", "styxy daemon start --port 9900",
                "STYXY_HOME=/tmp/s styxy daemon start --foreground");

        CommandSpec stop = command("stop", DaemonCommands::stop, "Stop the daemon and wait for it to exit.",
                "Sends SIGTERM to the daemon named in $STYXY_HOME/daemon.json and waits; after --timeout seconds "
                        + "it sends SIGKILL and says so. Stopping a daemon that is not running is not an error.");
        stop.addOption(option("SECONDS", Integer.class, "How long to wait before SIGKILL (default 15).",
                "--timeout"));
        stop.addOption(jsonOption());

        CommandSpec status = command("status", DaemonCommands::status,
                "Show whether the daemon runs: pid, port, version, uptime, leases.",
                "Exit code 0 when it answers, 3 when it does not.");
        status.addOption(option("PORT", Integer.class, "The daemon's HTTP port (default: $STYXY_DAEMON_PORT, "
                + "daemon.json, 9876).", "-p", "--port"));
        status.addOption(jsonOption());

        CommandSpec restart = command("restart", DaemonCommands::restart,
                "Stop the daemon (waiting for it to exit), then start it.");
        addStartOptions(restart);
        restart.addOption(option("SECONDS", Integer.class, "How long stop waits before SIGKILL (default 15).",
                "--stop-timeout"));

        CommandSpec install = command("install-service", DaemonCommands::installService,
                "Write a systemd user unit that runs the daemon, and say how to enable it.",
                "The unit runs 'styxy daemon start --foreground' with absolute paths, restarts it on failure and "
                        + "caps its memory. The file is not overwritten without --force.");
        install.addOption(option("FILE", String.class,
                "Where to write the unit (default ~/.config/systemd/user/styxy.service).", "-o", "--output"));
        install.addOption(option("SIZE", String.class, "MemoryMax= of the unit (default 256M).", "--memory-max"));
        install.addOption(option("PORT", Integer.class, "Port the service's daemon listens on.", "-p", "--port"));
        install.addOption(flag("Overwrite an existing unit file.", "-f", "--force"));
        install.addOption(jsonOption());
        return Cli.group("daemon", "Start, stop, restart or inspect the daemon; install it as a service.",
                start, stop, status, restart, install);
    }

    private static void addStartOptions(CommandSpec spec) {
        spec.addOption(option("PORT", Integer.class,
                "HTTP port (default: $STYXY_DAEMON_PORT, else 9876).", "-p", "--port"));
        spec.addOption(flag("Run in the foreground: inherit the terminal, wait, return the daemon's exit code.",
                "--foreground"));
        spec.addOption(option("NAME", String.class, "Port observer to use (default: the best usable one).",
                "--observer"));
        spec.addOption(option("DIR", String.class, "Extra plugins directory, read before $STYXY_HOME/plugins.",
                "--plugins"));
        spec.addOption(option("SECONDS", Integer.class, "How long to wait for the daemon to answer (default 20).",
                "--timeout"));
        spec.addOption(jsonOption());
    }

    // ------------------------------------------------------------------------------------------- command line

    /** The java executable for the daemon: $STYXY_JAVA, else this JVM if it is a full JDK. */
    static String java(Ctx ctx) {
        String java = ctx.env("STYXY_JAVA");
        if (java != null) {
            return java;
        }
        if (ModuleFinder.ofSystem().find("java.sql").isPresent()) {
            return Path.of(System.getProperty("java.home"), "bin", "java").toString();
        }
        throw CliException.failed("Do not know which java runs the daemon.",
                "Run styxy through bin/styxy, or set STYXY_JAVA to the java of a JDK 25.");
    }

    static Path serverModules(Ctx ctx) {
        String env = ctx.env("STYXY_SERVER_MODULES");
        Path dir = env != null ? Path.of(env) : null;
        if (dir == null) {
            Path root = Locations.projectRoot();
            dir = root == null ? null : root.resolve("styxy-server/target/modules");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw CliException.failed("The daemon is not built" + (dir == null ? "" : ": " + dir + " is missing")
                            + ".",
                    "Build it with: ./mvnw -B -ntp package -DskipTests (bin/styxy does it on first use), or set "
                            + "STYXY_SERVER_MODULES.");
        }
        return dir.toAbsolutePath();
    }

    /**
     * The daemon's JVM flags: {@code daemon.jvm-options} beside this class (the benchmarks read it too), read only by
     * the commands that start a daemon.
     */
    static List<String> daemonJvm() {
        return DaemonJvm.FLAGS;
    }

    private static final class DaemonJvm {
        static final List<String> FLAGS = daemonJvmOptions();
    }

    private static List<String> daemonJvmOptions() {
        try (var in = DaemonCommands.class.getResourceAsStream("daemon.jvm-options")) {
            if (in == null) {
                throw new IllegalStateException("daemon.jvm-options is missing from the CLI's jar");
            }
            List<String> flags = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                String flag = line.strip();
                if (!flag.isEmpty() && !flag.startsWith("#")) {
                    flags.add(flag);
                }
            }
            flags.add(NATIVE_ACCESS);
            return List.copyOf(flags);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The daemon's AOT cache, when the build made one beside its modules ({@code styxy-daemon.aot}, from a training
     * run of the daemon): its classes come loaded and linked and its request paths compile sooner. A cache that no
     * longer matches the modules or the JDK is skipped by the JVM, which then starts as without it; its messages
     * are kept to errors so that the daemon's log stays the daemon's.
     */
    static List<String> aotCacheFlags(Path modules) {
        Path cache = modules.resolveSibling(AOT_CACHE);
        return Files.isRegularFile(cache)
                ? List.of("-XX:AOTCache=" + cache, "-Xlog:aot*=error,cds*=error")
                : List.of();
    }

    /**
     * {@code STYXY_DAEMON_JAVA_OPTIONS}: JVM options for the daemon only, after its own (for instance
     * {@code --add-modules=jdk.X} for a plugin). Not {@code JDK_JAVA_OPTIONS}, which every java reads, this client's
     * own runtime included, and which that runtime may not be able to honour.
     */
    static List<String> extraDaemonFlags(Ctx ctx) {
        String extra = ctx.env("STYXY_DAEMON_JAVA_OPTIONS");
        return extra == null || extra.isBlank() ? List.of() : List.of(extra.strip().split("\\s+"));
    }

    /** {@code java}, the daemon's JVM flags, its modules and {@code --home}: what every way of starting it shares. */
    static List<String> daemonLaunch(Ctx ctx, String java) {
        List<String> cmd = new ArrayList<>(List.of(java));
        Path modules = serverModules(ctx);
        cmd.addAll(daemonJvm());
        cmd.addAll(aotCacheFlags(modules));
        cmd.addAll(extraDaemonFlags(ctx));
        cmd.addAll(List.of("-p", modules.toString(), "-m", DAEMON_MAIN, "--home", ctx.home().toString()));
        return cmd;
    }

    static List<String> daemonCommand(Ctx ctx, ParseResult pr) {
        List<String> cmd = daemonLaunch(ctx, java(ctx));
        Integer port = PortCommands.port(pr, "--port");
        if (port != null) {
            cmd.add("--port");
            cmd.add(port.toString());
        }
        if (ctx.env("STYXY_SOCKET") != null) {
            cmd.add("--socket");
            cmd.add(ctx.socket().toString());
        }
        String observer = pr.matchedOptionValue("--observer", null);
        if (observer != null) {
            cmd.add("--observer");
            cmd.add(observer);
        }
        String plugins = pr.matchedOptionValue("--plugins", null);
        if (plugins != null) {
            cmd.add("--plugins");
            cmd.add(ctx.cwd.resolve(plugins).toString());
        }
        return cmd;
    }

    /** The daemon's environment: ours, without LD_PRELOAD (it must never be interposed). */
    static void daemonEnvironment(Ctx ctx, ProcessBuilder pb, Integer port) {
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(ctx.env);
        env.remove("LD_PRELOAD");
        env.put("STYXY_DISABLE_REASSIGN", "1");
        env.put("STYXY_HOME", ctx.home().toString());
        if (port != null) {
            env.put("STYXY_DAEMON_PORT", port.toString());
        }
    }

    /**
     * Where 'daemon start' sends the daemon's output: {@code $STYXY_HOME/logs/daemon.out}, made with the home if
     * needed; beside the daemon's runtime files when the home is read-only (the daemon then serves reads only).
     */
    static Path logFile(Ctx ctx) throws IOException {
        if (!DaemonFiles.readOnlyHome(ctx)) {
            try {
                ensureHome(ctx);
                return ctx.home().resolve("logs/daemon.out");
            } catch (IOException e) {
                if (!DaemonFiles.isReadOnlyFileSystem(e) || !Files.isDirectory(ctx.home())) {
                    throw e;
                }
            }
        }
        return DaemonFiles.runtimeLog(ctx);
    }

    static void ensureHome(Ctx ctx) throws IOException {
        Path home = ctx.home();
        if (!Files.isDirectory(home)) {
            Files.createDirectories(home);
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        }
        Path logs = home.resolve("logs");
        if (!Files.isDirectory(logs)) {
            Files.createDirectories(logs);
            Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwx------"));
        }
    }

    // ------------------------------------------------------------------------------------------- start

    static int start(Ctx ctx, ParseResult pr) throws Exception {
        boolean json = flagSet(pr, "--json");
        if (flagSet(pr, "--foreground")) {
            return foreground(ctx, pr);
        }
        Integer explicitPort = PortCommands.port(pr, "--port");
        Integer timeout = pr.matchedOptionValue("--timeout", null);
        long deadline = System.nanoTime() + (timeout == null ? 20 : Math.max(1, timeout)) * 1_000_000_000L;

        DaemonFiles.Info running = runningDaemon(ctx);
        if (running != null) {
            return alreadyRunning(ctx, json, running.pid(), running.httpPort());
        }
        Path log = logFile(ctx);
        long logStart = Files.exists(log) ? Files.size(log) : 0;

        List<String> cmd = daemonCommand(ctx, pr);
        boolean setsid = Files.isExecutable(Path.of("/usr/bin/setsid")) || Files.isExecutable(Path.of("/bin/setsid"));
        if (setsid) {
            cmd.addFirst(Files.isExecutable(Path.of("/usr/bin/setsid")) ? "/usr/bin/setsid" : "/bin/setsid");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        daemonEnvironment(ctx, pb, explicitPort);
        pb.directory(ctx.home().toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.redirectErrorStream(true);
        Process process = pb.start();
        boolean forked = false;
        while (System.nanoTime() < deadline) {
            if (!forked && !process.isAlive()) {
                int code = process.exitValue();
                if (code == DAEMON_ALREADY_RUNNING) {
                    String line = lastLineContaining(log, logStart, "already running");
                    DaemonFiles.Info info = DaemonFiles.read(ctx);
                    if (info != null) {
                        return alreadyRunning(ctx, json, info.pid(),
                                info.hasPort() ? info.httpPort() : expectedPort(ctx, explicitPort));
                    }
                    ctx.out.println(json ? Json.pretty(Json.of("status", "already_running", "message", line))
                            : "Styxy daemon " + (line == null ? "already running." : line.strip()));
                    return ExitCodes.OK;
                }
                if (code != 0 || !setsid) {
                    throw startFailed(ctx, "The daemon exited with code " + code + " while starting.", log,
                            logStart);
                }
                forked = true; // setsid forked: the daemon lives on under another pid
            }
            DaemonFiles.Info info = DaemonFiles.read(ctx);
            if (info != null && !info.hasPort()) { // a daemon.json without a usable port: go by the expected one
                info = new DaemonFiles.Info(info.pid(), expectedPort(ctx, explicitPort), info.socket(),
                        info.version(), info.startedAt());
            }
            if (info != null && (info.pid() == process.pid() || (forked && info.alive()))
                    && new DaemonClient(ctx, info.httpPort(), 500, 2000).ping()) {
                if (json) {
                    ctx.out.println(Json.pretty(Json.of("status", "started", "pid", info.pid(), "http_port",
                            info.httpPort(), "socket", info.socket(), "version", info.version(), "home",
                            ctx.home().toString())));
                } else {
                    ctx.out.println(ctx.green("Styxy daemon started") + " (pid " + info.pid() + ", port "
                            + info.httpPort() + (info.version() == null ? "" : ", version " + info.version())
                            + "). Log: " + log);
                }
                return ExitCodes.OK;
            }
            Thread.sleep(40);
        }
        throw startFailed(ctx, "The daemon (pid " + process.pid() + ") did not answer within "
                + (timeout == null ? 20 : timeout) + " s; it may still be starting.", log, logStart);
    }

    /** The daemon of this STYXY_HOME if it runs and answers, else null. */
    static DaemonFiles.Info runningDaemon(Ctx ctx) {
        DaemonFiles.Info info = DaemonFiles.read(ctx);
        if (info == null || !info.alive()) {
            return null;
        }
        int port = info.hasPort() ? info.httpPort() : expectedPort(ctx, null);
        if (new DaemonClient(ctx, port, 1000, 3000).ping()) {
            return new DaemonFiles.Info(info.pid(), port, info.socket(), info.version(), info.startedAt());
        }
        return null;
    }

    /** The port a daemon started now listens on: --port, else $STYXY_DAEMON_PORT, else 9876. */
    static int expectedPort(Ctx ctx, Integer explicitPort) {
        if (explicitPort != null) {
            return explicitPort;
        }
        String env = ctx.env("STYXY_DAEMON_PORT");
        return env != null ? DaemonClient.parsePortEnv(env) : DaemonClient.DEFAULT_PORT;
    }

    private static int alreadyRunning(Ctx ctx, boolean json, long pid, int port) {
        if (json) {
            ctx.out.println(Json.pretty(Json.of("status", "already_running", "pid", pid, "http_port", port,
                    "home", ctx.home().toString())));
        } else {
            ctx.out.println("Styxy daemon already running (pid " + pid + ", port " + port + "); nothing changed.");
        }
        return ExitCodes.OK;
    }

    private static CliException startFailed(Ctx ctx, String message, Path log, long from) {
        StringBuilder hint = new StringBuilder();
        List<String> tail = tail(log, from, 20);
        if (!tail.isEmpty()) {
            hint.append("Last lines of ").append(log).append(":\n");
            for (String l : tail) {
                hint.append("  ").append(l).append('\n');
            }
        }
        hint.append("See the whole log in ").append(log).append(
                "; run 'styxy daemon start --foreground' to watch it start, or 'styxy doctor'.");
        return new CliException(ExitCodes.FAILED, "DAEMON_START_FAILED", message, hint.toString());
    }

    static List<String> tail(Path log, long from, int lines) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            long start = Math.max(from, f.length() - 64 * 1024);
            f.seek(start);
            byte[] buf = new byte[(int) (f.length() - start)];
            f.readFully(buf);
            List<String> all = new String(buf, StandardCharsets.UTF_8).lines().toList();
            return all.subList(Math.max(0, all.size() - lines), all.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String lastLineContaining(Path log, long from, String needle) {
        List<String> lines = tail(log, from, 50);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).contains(needle)) {
                return lines.get(i);
            }
        }
        return null;
    }

    private static int foreground(Ctx ctx, ParseResult pr) throws Exception {
        logFile(ctx); // makes the home; a read-only one is left as it is
        ProcessBuilder pb = new ProcessBuilder(daemonCommand(ctx, pr));
        daemonEnvironment(ctx, pb, PortCommands.port(pr, "--port"));
        pb.inheritIO();
        ctx.out.flush();
        ctx.err.flush();
        Process process = pb.start();
        Thread hook = new Thread(() -> {
            // styxy got SIGTERM (or SIGINT, SIGHUP): pass it on, wait, and exit as the daemon did, so that a
            // service manager sees the daemon's clean 0 rather than the JVM's 143
            process.destroy();
            try {
                if (process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    Runtime.getRuntime().halt(process.exitValue());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        int code = process.waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running
        }
        return code;
    }

    // ------------------------------------------------------------------------------------------- stop

    static int stop(Ctx ctx, ParseResult pr) throws Exception {
        Integer timeout = pr.matchedOptionValue("--timeout", null);
        return stop(ctx, flagSet(pr, "--json"), timeout == null ? 15 : Math.max(1, timeout), true);
    }

    /** Stops the daemon of this STYXY_HOME; prints what happened when {@code report}. */
    static int stop(Ctx ctx, boolean json, int timeoutSeconds, boolean report) throws Exception {
        DaemonFiles.Info info = DaemonFiles.read(ctx);
        ProcessHandle handle = info == null ? null : ProcessHandle.of(info.pid()).filter(ProcessHandle::isAlive)
                .orElse(null);
        if (handle == null) {
            if (report) {
                String why = info == null ? "no " + DaemonFiles.daemonJson(ctx)
                        : DaemonFiles.daemonJson(ctx) + " names pid " + info.pid() + ", which is gone";
                if (json) {
                    ctx.out.println(Json.pretty(Json.of("status", "not_running", "home", ctx.home().toString())));
                } else {
                    ctx.out.println("Styxy daemon is not running (" + why + "); nothing to stop.");
                }
            }
            return ExitCodes.OK;
        }
        String commandLine = handle.info().commandLine().orElse("");
        if (!commandLine.isEmpty() && !commandLine.contains("io.styxy.server")) {
            throw CliException.failed("Pid " + info.pid() + " from " + DaemonFiles.daemonJson(ctx)
                    + " is not a Styxy daemon (" + abbreviate(commandLine) + "); not stopping it.",
                    "The file is stale: remove it, then run styxy daemon start.");
        }
        handle.destroy(); // SIGTERM
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (handle.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(25);
        }
        boolean killed = false;
        if (handle.isAlive()) {
            handle.destroyForcibly(); // SIGKILL
            killed = true;
            ctx.err.println("styxy: the daemon (pid " + info.pid() + ") did not exit within " + timeoutSeconds
                    + " s of SIGTERM; sent SIGKILL.");
            long killDeadline = System.nanoTime() + 5_000_000_000L;
            while (handle.isAlive() && System.nanoTime() < killDeadline) {
                Thread.sleep(25);
            }
        }
        if (report) {
            if (json) {
                ctx.out.println(Json.pretty(Json.of("status", "stopped", "pid", info.pid(), "killed", killed)));
            } else {
                ctx.out.println("Styxy daemon stopped (pid " + info.pid() + (killed ? ", killed" : "") + ").");
            }
        }
        return ExitCodes.OK;
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }

    // ------------------------------------------------------------------------------------------- restart

    static int restart(Ctx ctx, ParseResult pr) throws Exception {
        if (flagSet(pr, "--foreground")) {
            throw CliException.usage("restart does not take --foreground.", "Use: styxy daemon start --foreground");
        }
        Integer stopTimeout = pr.matchedOptionValue("--stop-timeout", null);
        stop(ctx, false, stopTimeout == null ? 15 : Math.max(1, stopTimeout), !flagSet(pr, "--json"));
        return start(ctx, pr);
    }

    // ------------------------------------------------------------------------------------------- status

    static int status(Ctx ctx, ParseResult pr) {
        boolean json = flagSet(pr, "--json");
        Integer override = PortCommands.port(pr, "--port");
        int port = DaemonClient.resolvePort(ctx, override);
        DaemonClient client = new DaemonClient(ctx, port, 2000, 5000);
        Map<String, Object> s;
        try {
            DaemonClient.Response r = client.send("GET", "/v1/status", null);
            if (r.status() == 404) {
                r = client.send("GET", "/status", null);
            }
            s = client.json(r);
        } catch (CliException e) {
            if (e.exitCode() != ExitCodes.UNREACHABLE) {
                throw e;
            }
            if (json) {
                ctx.out.println(Json.pretty(Json.of("running", false, "http_port", port, "home",
                        ctx.home().toString(), "message", e.getMessage())));
            } else {
                ctx.out.println(e.getMessage());
                ctx.out.println("Start it with: styxy daemon start");
            }
            return ExitCodes.UNREACHABLE;
        }
        DaemonFiles.Info info = DaemonFiles.read(ctx);
        if (json) {
            Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("running", true);
            doc.putAll(s);
            doc.putIfAbsent("http_port", port);
            doc.put("home", ctx.home().toString());
            ctx.out.println(Json.pretty(doc));
            return ExitCodes.OK;
        }
        Object pid = s.get("pid") != null ? s.get("pid") : info == null ? null : info.pid();
        Object uptime = s.get("uptime_seconds") != null ? s.get("uptime_seconds") : s.get("uptime");
        ctx.out.println(ctx.green("Styxy daemon is running")
                + (Json.bool(s.get("read_only")) ? ctx.yellow(" read-only") : ""));
        Table t = new Table("", "");
        t.row("pid", pid);
        t.row("version", s.get("version") != null ? s.get("version") : info == null ? null : info.version());
        t.row("address", "127.0.0.1:" + Json.str(s.getOrDefault("http_port", port))
                + (s.get("socket") != null ? ", socket " + Json.str(s.get("socket")) : ""));
        t.row("uptime", uptime == null ? null : duration(Json.num(uptime, 0)));
        t.row("leases", s.get("leases") != null ? s.get("leases") : s.get("allocations"));
        t.row("instances", s.get("instances") instanceof List<?> l ? (Object) l.size() : s.get("instances"));
        t.row("observer", s.get("observer"));
        t.row("home", ctx.home());
        if (Json.bool(s.get("read_only"))) {
            t.row("mode", "read-only: " + (s.get("read_only_reason") != null ? Json.str(s.get("read_only_reason"))
                    : "the home cannot be written; every change is refused"));
        }
        printKeyValues(ctx, t);
        return ExitCodes.OK;
    }

    private static void printKeyValues(Ctx ctx, Table t) {
        // a two-column table without its (empty) header line
        java.io.StringWriter sw = new java.io.StringWriter();
        Ctx plain = new Ctx(new java.io.PrintWriter(sw), ctx.err, ctx.env, ctx.cwd, ctx.userHome, false, false);
        t.print(plain);
        plain.out.flush();
        String text = sw.toString();
        ctx.out.print(text.substring(text.indexOf('\n') + 1).lines().map(l -> "  " + l)
                .reduce("", (a, b) -> a + b + System.lineSeparator()));
    }

    static String duration(long seconds) {
        long d = seconds / 86400;
        long h = seconds % 86400 / 3600;
        long m = seconds % 3600 / 60;
        long s = seconds % 60;
        StringBuilder sb = new StringBuilder();
        if (d > 0) {
            sb.append(d).append("d ");
        }
        if (d > 0 || h > 0) {
            sb.append(h).append("h ");
        }
        if (d > 0 || h > 0 || m > 0) {
            sb.append(m).append("m ");
        }
        return sb.append(s).append('s').toString();
    }

    // ------------------------------------------------------------------------------------------- install-service

    static int installService(Ctx ctx, ParseResult pr) throws IOException {
        String output = pr.matchedOptionValue("--output", null);
        Path unit;
        if (output != null) {
            unit = ctx.cwd.resolve(output);
        } else {
            String xdg = ctx.env("XDG_CONFIG_HOME");
            Path config = xdg != null ? Path.of(xdg) : ctx.userHome.resolve(".config");
            unit = config.resolve("systemd/user/styxy.service");
        }
        if (Files.exists(unit) && !flagSet(pr, "--force")) {
            throw CliException.failed(unit + " already exists.", "Overwrite it with: styxy daemon install-service "
                    + "--force");
        }
        String memoryMax = pr.matchedOptionValue("--memory-max", "256M");
        if (!memoryMax.matches("[0-9]+[KMGT]?|infinity")) {
            throw CliException.usage("--memory-max: '" + memoryMax + "' is not a size like 256M.", null);
        }
        Integer port = PortCommands.port(pr, "--port");
        String launcher = ctx.env("STYXY_LAUNCHER");
        String exec;
        if (launcher != null) {
            exec = systemdQuote(Path.of(launcher).toAbsolutePath().toString()) + " daemon start --foreground"
                    + (port == null ? "" : " --port " + port);
        } else {
            StringBuilder sb = new StringBuilder();
            List<String> cmd = daemonLaunch(ctx, Path.of(java(ctx)).toAbsolutePath().toString());
            if (port != null) {
                cmd.add("--port");
                cmd.add(port.toString());
            }
            for (String c : cmd) {
                sb.append(sb.isEmpty() ? "" : " ").append(systemdQuote(c));
            }
            exec = sb.toString();
        }
        String text = """
                [Unit]
                Description=Styxy port coordination daemon
                Documentation=file://%s

                [Service]
                Type=simple
                ExecStart=%s
                Environment=STYXY_HOME=%s
                Environment=STYXY_SKIP_BUILD=1
                UnsetEnvironment=LD_PRELOAD
                Environment=STYXY_DISABLE_REASSIGN=1
                Restart=on-failure
                RestartSec=2
                # Exit code 3: another daemon holds the lock; restarting will not help.
                RestartPreventExitStatus=3
                SuccessExitStatus=143
                MemoryMax=%s
                TimeoutStopSec=20

                [Install]
                WantedBy=default.target
                """.formatted(docsPath(), exec, systemdQuote(ctx.home().toString()), memoryMax);
        Files.createDirectories(unit.toAbsolutePath().getParent());
        Path tmp = unit.resolveSibling(unit.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, unit, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        if (flagSet(pr, "--json")) {
            ctx.out.println(Json.pretty(Json.of("written", unit.toString(), "exec_start", exec)));
            return ExitCodes.OK;
        }
        ctx.out.println("Wrote " + unit);
        ctx.out.println("Enable and start it with:");
        ctx.out.println("  styxy daemon stop                    # if one runs by hand");
        ctx.out.println("  systemctl --user daemon-reload");
        ctx.out.println("  systemctl --user enable --now styxy.service");
        ctx.out.println("Keep it running after you log out with: loginctl enable-linger $USER");
        return ExitCodes.OK;
    }

    private static String docsPath() {
        Path root = Locations.projectRoot();
        return root == null ? "/usr/share/doc/styxy/cli.md" : root.resolve("docs/cli.md").toString();
    }

    /** Quotes a word for a systemd unit line when it needs it. */
    static String systemdQuote(String s) {
        if (s.matches("[A-Za-z0-9_./:,=+@%-]+")) {
            return s.replace("%", "%%");
        }
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("%", "%%") + "\"";
    }
}
