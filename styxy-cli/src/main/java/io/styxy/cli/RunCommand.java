package io.styxy.cli;

import static io.styxy.cli.Cli.command;
import static io.styxy.cli.Cli.examples;
import static io.styxy.cli.Cli.flag;
import static io.styxy.cli.Cli.flagSet;
import static io.styxy.cli.Cli.option;
import static io.styxy.cli.Cli.positional;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * styxy run: lease a port, run a command with it in PORT, release it when the command exits.
 *
 * <p>The lease is made before the child starts (the child needs PORT in its environment from its first
 * instruction), so it cannot name the child's pid. It names this styxy process instead, which lives exactly as long
 * as the child: styxy waits for the child, releases the lease itself when it exits, and if styxy is killed outright
 * the daemon releases the lease within a second because its owner is gone. Every port the child binds beyond that
 * one is protected by the interposer, which leases ports for the child's own pid.
 */
final class RunCommand {

    private RunCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = command("run", RunCommand::run,
                "Run a command with a leased port in PORT, released when it exits.",
                "Leases a port (owned by this styxy process, which waits for the command), exports it as PORT and "
                        + "STYXY_PORT, turns the port interposer on (LD_PRELOAD, added to any existing value), "
                        + "forwards SIGINT and SIGTERM to the command, releases the lease when the command exits, "
                        + "and exits with the command's exit code.");
        spec.addOption(option("TYPE", String.class, "Service type (default dev).", "-s", "--service"));
        spec.addOption(option("NAME", String.class, "Service name (default: the command's name).", "-n", "--name"));
        spec.addOption(option("PORT", Integer.class, "Preferred port.", "-p", "--port"));
        spec.addOption(flag("Same port for this project and service on every run while it is free.", "--stable"));
        spec.addOption(option("DIR", String.class, "Project directory (default: the current directory).",
                "--project"));
        spec.addOption(flag("Do not set LD_PRELOAD.", "--no-preload"));
        spec.addPositional(positional("COMMAND", String[].class, "1..*",
                "The command and its arguments (after --); a quoted '$PORT' in an argument becomes the port."));
        spec.parser().unmatchedOptionsArePositionalParams(false);
        spec.parser().stopAtPositional(true);
        return examples(spec, "styxy run -- npm run dev", "styxy run -s api -n backend -- python -m http.server "
                + "'$PORT'", "styxy run --stable -s storybook -- npx storybook dev -p '$PORT'");
    }

    static int run(Ctx ctx, ParseResult pr) throws Exception {
        List<String> command = List.of(pr.matchedPositionalValue(0, new String[0]));
        if (command.isEmpty()) {
            throw CliException.usage("Give the command to run after --.", "Try 'styxy run --help'.");
        }
        String type = pr.matchedOptionValue("--service", "dev");
        String name = pr.matchedOptionValue("--name", Path.of(command.getFirst()).getFileName().toString());
        String project = pr.matchedOptionValue("--project", null);
        Map<String, Object> body = Json.of(
                "service_type", type,
                "service_name", name,
                "preferred_port", PortCommands.port(pr, "--port"),
                "instance_id", PortCommands.instanceId(ctx, null),
                "project_path", project == null ? ctx.cwd.toString() : ctx.cwd.resolve(project).normalize().toString(),
                "pid", ProcessHandle.current().pid(),
                "stable", flagSet(pr, "--stable") ? Boolean.TRUE : null);
        Path preload = null;
        if (!flagSet(pr, "--no-preload")) {
            preload = ctx.preloadLibrary();
            if (!Ctx.isRegularFile(preload)) {
                ctx.err.println("styxy: the interposer library is not built (" + preload
                        + "); running without port reassignment. Build it with: make -C interposer");
                preload = null;
            }
        }
        Path executable = resolveExecutable(ctx, command.getFirst());
        DaemonClient client = DaemonClient.forCtx(ctx);
        Map<String, Object> r = Legacy.allocate(client, body);
        Map<String, Object> lease = Json.obj(r.get("lease"));
        String port = Json.str(lease.get("port"));
        String lockId = Json.str(lease.get("lock_id"));
        boolean ours = !Json.bool(r.get("existing"));

        List<String> argv = new java.util.ArrayList<>(command);
        argv.set(0, executable.toString());
        for (int i = 1; i < argv.size(); i++) { // '$PORT' given quoted, so that the shell left it alone
            argv.set(i, argv.get(i).replace("${PORT}", port).replace("$PORT", port));
        }
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.inheritIO();
        pb.directory(ctx.cwd.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.putAll(ctx.env);
        env.put("PORT", port);
        env.put("STYXY_PORT", port);
        if (lockId != null) {
            env.put("STYXY_LOCK_ID", lockId);
        }
        if (preload != null) {
            env.put("LD_PRELOAD", ShellCommands.appendPreload(ctx.env("LD_PRELOAD"), preload.toString()));
        }
        ctx.err.println(ctx.dim("styxy: port " + port + " (" + type + ") for " + String.join(" ", command)));
        ctx.err.flush();
        ctx.out.flush();
        Process child;
        try {
            child = pb.start();
        } catch (IOException e) {
            releaseQuietly(ctx, client, lockId, ours);
            throw new CliException(ExitCodes.CANNOT_EXECUTE, "CANNOT_EXECUTE",
                    "Cannot run " + command.getFirst() + ": " + e.getMessage() + ".", null);
        }
        Runnable cleanup = () -> releaseQuietly(ctx, client, lockId, ours);
        Thread hook = new Thread(() -> {
            // styxy is being shut down (SIGHUP, or a signal we could not trap): stop the child, release the port
            if (child.isAlive()) {
                child.destroy();
                try {
                    child.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            cleanup.run();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        Signals.forward(child, ctx.interactive);
        int code = child.waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return code; // the hook releases
        }
        cleanup.run();
        return code;
    }

    /** The program to run, looked up in the PATH like a shell does; 127 / 126 as a shell would when it fails. */
    static Path resolveExecutable(Ctx ctx, String name) {
        if (name.contains("/")) {
            Path p = ctx.cwd.resolve(name);
            if (!java.nio.file.Files.exists(p)) {
                throw new CliException(ExitCodes.COMMAND_NOT_FOUND, "COMMAND_NOT_FOUND", name + ": no such file.",
                        null);
            }
            if (java.nio.file.Files.isDirectory(p) || !java.nio.file.Files.isExecutable(p)) {
                throw new CliException(ExitCodes.CANNOT_EXECUTE, "CANNOT_EXECUTE", name + " is not executable.",
                        null);
            }
            return p;
        }
        String path = ctx.env("PATH");
        for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(":")) {
            Path p = ctx.cwd.resolve(dir.isEmpty() ? "." : dir).resolve(name);
            if (java.nio.file.Files.isRegularFile(p) && java.nio.file.Files.isExecutable(p)) {
                return p;
            }
        }
        throw new CliException(ExitCodes.COMMAND_NOT_FOUND, "COMMAND_NOT_FOUND", name + ": command not found.",
                "Check the spelling, or give its path.");
    }

    private static void releaseQuietly(Ctx ctx, DaemonClient client, String lockId, boolean ours) {
        if (!ours || lockId == null) {
            return; // a reused singleton is not ours to release
        }
        try {
            Legacy.releaseLock(client, lockId);
        } catch (CliException e) {
            if (e.exitCode() != ExitCodes.NOT_FOUND) {
                ctx.err.println("styxy: could not release lease " + lockId + ": " + e.getMessage()
                        + " (the daemon releases it by itself now that this process ends)");
            }
        }
    }
}
