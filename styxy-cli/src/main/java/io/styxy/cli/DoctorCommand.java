package io.styxy.cli;

import static io.styxy.cli.Cli.command;
import static io.styxy.cli.Cli.flagSet;
import static io.styxy.cli.Cli.jsonOption;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/** styxy doctor: is everything in place? Exit 0 only when no check fails (warnings are fine). */
final class DoctorCommand {

    /** One finding. */
    record Check(String name, String status, String detail) {
        Map<String, Object> json() {
            return Json.of("name", name, "status", status, "detail", detail);
        }
    }

    private DoctorCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = command("doctor", DoctorCommand::doctor,
                "Check the daemon, configuration, observers, interposer and files.",
                "Checks: the state directory and token (and their permissions), the daemon (running, answering, "
                        + "accepting the token, and its own checks), the port observers, config.json, the "
                        + "interposer library (present and loadable) and what 'daemon start' needs. Exit 0 when no "
                        + "check fails (warnings are fine), 1 otherwise.");
        spec.addOption(jsonOption());
        return spec;
    }

    static int doctor(Ctx ctx, ParseResult pr) {
        List<Check> checks = new ArrayList<>();
        List<Object> observers = new ArrayList<>();
        checkHome(ctx, checks);
        checkDaemon(ctx, checks, observers);
        checkConfig(ctx, checks);
        checkInterposer(ctx, checks);
        checkLaunch(ctx, checks);
        boolean healthy = checks.stream().noneMatch(c -> c.status.equals("fail"));
        if (flagSet(pr, "--json")) {
            List<Object> list = new ArrayList<>();
            for (Check c : checks) {
                list.add(c.json());
            }
            ctx.out.println(Json.pretty(Json.of("healthy", healthy, "checks", list, "observers", observers)));
            return healthy ? ExitCodes.OK : ExitCodes.FAILED;
        }
        for (Check c : checks) {
            String mark = switch (c.status) {
                case "ok" -> ctx.green("[ ok ]");
                case "warn" -> ctx.yellow("[warn]");
                default -> ctx.red("[FAIL]");
            };
            ctx.out.println(mark + " " + c.name + ": " + c.detail);
        }
        for (Object o : observers) {
            Map<String, Object> ob = Json.obj(o);
            ctx.out.println("       observer " + Json.str(ob.get("name")) + ": "
                    + (Json.bool(ob.get("active")) ? "active" : Json.bool(ob.get("usable")) ? "usable" : "unusable")
                    + (ob.get("reason") == null ? "" : " (" + Json.str(ob.get("reason")) + ")"));
        }
        ctx.out.println(healthy ? ctx.green("Healthy.") : ctx.red("Not healthy: see the FAIL lines above."));
        return healthy ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static void checkHome(Ctx ctx, List<Check> checks) {
        Path home = ctx.home();
        if (!Files.isDirectory(home)) {
            checks.add(new Check("state directory", "warn", home + " does not exist yet (styxy daemon start "
                    + "creates it)"));
        } else {
            checks.add(permissions("state directory", home, "rwx------"));
            if (DaemonFiles.readOnlyHome(ctx)) {
                checks.add(new Check("state directory writable", "fail", home + " is on a read-only file system:"
                        + " a daemon on it serves reads only and refuses every change; remount it read-write or"
                        + " point STYXY_HOME at a writable directory, then restart the daemon"));
            }
        }
        Path token = DaemonFiles.tokenFile(ctx);
        if (!Files.exists(token)) {
            checks.add(new Check("token", "warn", token + " does not exist yet (the daemon writes it at start)"));
            return;
        }
        Check perm = permissions("token", token, "rw-------");
        if (!perm.status.equals("ok")) {
            checks.add(perm);
            return;
        }
        try {
            String t = Files.readString(token).trim();
            checks.add(t.matches("[0-9a-fA-F]{64}") ? new Check("token", "ok", token + " (0600, 64 hex digits)")
                    : new Check("token", "fail", token + " does not hold 64 hex digits; stop the daemon, delete "
                            + "the file, start the daemon"));
        } catch (IOException e) {
            checks.add(new Check("token", "fail", "cannot read " + token + ": " + e.getMessage()));
        }
    }

    private static Check permissions(String name, Path p, String wanted) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            String actual = PosixFilePermissions.toString(perms);
            if (actual.equals(wanted)) {
                return new Check(name, "ok", p + " (" + actual + ")");
            }
            boolean others = actual.substring(3).contains("r") || actual.substring(3).contains("w");
            return new Check(name, others ? "fail" : "warn", p + " is " + actual + ", should be " + wanted
                    + ": chmod " + (wanted.equals("rwx------") ? "700 " : "600 ") + p);
        } catch (IOException | UnsupportedOperationException e) {
            return new Check(name, "fail", "cannot read the permissions of " + p + ": " + e.getMessage());
        }
    }

    private static void checkDaemon(Ctx ctx, List<Check> checks, List<Object> observers) {
        DaemonClient client;
        try {
            client = DaemonClient.forCtx(ctx);
        } catch (CliException e) {
            checks.add(new Check("daemon", "fail", e.getMessage()));
            return;
        }
        Map<String, Object> status;
        try {
            DaemonClient.Response r = client.send("GET", "/v1/status", null);
            if (r.status() == 404) {
                r = client.send("GET", "/status", null);
            }
            status = client.json(r);
        } catch (CliException e) {
            checks.add(new Check("daemon", "fail", e.getMessage() + (e.hint() == null ? "" : " " + e.hint())));
            return;
        }
        checks.add(new Check("daemon", "ok", "running, pid " + Json.str(status.get("pid")) + ", 127.0.0.1:"
                + client.port() + ", version " + Json.str(status.get("version")) + ", "
                + Json.str(status.get("leases") != null ? status.get("leases") : status.get("allocations"))
                + " leases"));
        Map<String, Object> doctor;
        try {
            doctor = client.get("/v1/doctor");
        } catch (CliException e) {
            if (Legacy.noRoute(e)) {
                checkTokenOnLegacyRoute(ctx, client, checks);
                return;
            }
            checks.add(new Check(e.exitCode() == ExitCodes.AUTH ? "token accepted" : "daemon checks", "fail",
                    e.getMessage() + (e.hint() == null ? "" : " " + e.hint())));
            return;
        }
        checks.add(new Check("token accepted", "ok", "the daemon accepts " + DaemonFiles.tokenFile(ctx)));
        for (Object o : Json.list(doctor.get("checks"))) {
            Map<String, Object> c = Json.obj(o);
            String s = Json.str(c.get("status"));
            checks.add(new Check("daemon check " + Json.str(c.get("name")),
                    "ok".equals(s) || "warn".equals(s) ? s : "fail", Json.str(c.get("detail"))));
        }
        observers.addAll(Json.list(doctor.get("observers")));
        boolean anyActive = observers.stream().anyMatch(o -> Json.bool(Json.obj(o).get("active")));
        if (!observers.isEmpty()) {
            checks.add(anyActive ? new Check("observers", "ok", "active: " + observers.stream()
                    .map(Json::obj).filter(o -> Json.bool(o.get("active"))).map(o -> Json.str(o.get("name")))
                    .toList())
                    : new Check("observers", "fail", "no usable port observer: foreign listeners are invisible"));
        }
    }

    private static void checkTokenOnLegacyRoute(Ctx ctx, DaemonClient client, List<Check> checks) {
        try {
            client.get("/allocations");
            checks.add(new Check("token accepted", "ok", "the daemon accepts " + DaemonFiles.tokenFile(ctx)));
        } catch (CliException e) {
            checks.add(new Check("token accepted", "fail", e.getMessage() + (e.hint() == null ? "" : " " + e.hint())));
        }
        checks.add(new Check("daemon checks", "warn", "this daemon has no /v1/doctor: its own checks and observers "
                + "are not shown"));
    }

    private static void checkConfig(Ctx ctx, List<Check> checks) {
        Path config = ConfigCommands.userConfig(ctx);
        if (!Files.exists(config)) {
            checks.add(new Check("config", "ok", "no " + config + ": built-in service types only"));
            return;
        }
        ConfigCommands.Findings f = new ConfigCommands.Findings();
        try {
            ConfigCommands.check(Json.parse(Files.readString(config)), f);
        } catch (Json.JsonException e) {
            f.errors().add("not valid JSON: " + e.getMessage());
        } catch (IOException e) {
            f.errors().add("cannot read it: " + e.getMessage());
        }
        if (!f.errors().isEmpty()) {
            checks.add(new Check("config", "fail", config + ": " + String.join("; ", f.errors())));
        } else if (!f.warnings().isEmpty()) {
            checks.add(new Check("config", "warn", config + ": " + String.join("; ", f.warnings())));
        } else {
            checks.add(new Check("config", "ok", config + " is valid"));
        }
    }

    private static void checkInterposer(Ctx ctx, List<Check> checks) {
        Path lib = ctx.preloadLibrary();
        if (lib == null || !Files.isRegularFile(lib)) {
            checks.add(new Check("interposer", "fail", (lib == null ? "the library" : lib.toString())
                    + " is not built: make -C interposer (or run bin/styxy once)"));
            return;
        }
        Path truePath = Files.isExecutable(Path.of("/bin/true")) ? Path.of("/bin/true") : Path.of("/usr/bin/true");
        try {
            ProcessBuilder pb = new ProcessBuilder(truePath.toString());
            pb.environment().put("LD_PRELOAD", lib.toString());
            pb.environment().put("STYXY_DISABLE_REASSIGN", "1");
            pb.redirectErrorStream(true);
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean done = p.waitFor(5, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
                checks.add(new Check("interposer", "fail", "a program preloaded with " + lib + " hung"));
            } else if (output.contains("cannot be preloaded") || output.contains("ld.so") || p.exitValue() != 0) {
                checks.add(new Check("interposer", "fail", lib + " cannot be preloaded: " + output.strip()));
            } else {
                checks.add(new Check("interposer", "ok", lib + " (loads)"));
            }
        } catch (IOException e) {
            checks.add(new Check("interposer", "warn", lib + " exists; could not test-load it: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String preload = ctx.env("LD_PRELOAD");
        if (preload != null && preload.contains("styxy") && !preload.contains(lib.toString())) {
            checks.add(new Check("LD_PRELOAD", "warn", "this shell preloads another Styxy library (" + preload
                    + "); re-run: eval \"$(styxy shell-init)\""));
        }
    }

    private static void checkLaunch(Ctx ctx, List<Check> checks) {
        try {
            String java = DaemonCommands.java(ctx);
            Path modules = DaemonCommands.serverModules(ctx);
            checks.add(new Check("daemon start", Files.isExecutable(Path.of(java)) ? "ok" : "fail",
                    java + ", modules " + modules));
        } catch (CliException e) {
            checks.add(new Check("daemon start", "warn", e.getMessage()));
        }
    }
}
