package io.styxy.cli;

import static io.styxy.cli.Cli.command;
import static io.styxy.cli.Cli.examples;
import static io.styxy.cli.Cli.flag;
import static io.styxy.cli.Cli.flagSet;
import static io.styxy.cli.Cli.jsonOption;
import static io.styxy.cli.Cli.option;
import static io.styxy.cli.Cli.positional;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/** The commands that ask the daemon about ports and leases. */
final class PortCommands {

    private PortCommands() {
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** Percent-encodes a path segment or query value (RFC 3986 unreserved characters stay as they are). */
    static String enc(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    static Integer port(ParseResult pr, String option) {
        Integer p = pr.matchedOptionValue(option, null);
        return checkPort(p, option);
    }

    static Integer checkPort(Integer p, String what) {
        if (p != null && (p < 1 || p > 65535)) {
            throw CliException.usage(what + ": " + p + " is not a port number (1-65535).", null);
        }
        return p;
    }

    static void printJson(Ctx ctx, Object doc) {
        ctx.out.println(Json.pretty(doc));
    }

    static String instanceId(Ctx ctx, String explicit) {
        if (explicit != null) {
            return explicit;
        }
        String id = ctx.env("STYXY_INSTANCE_ID");
        if (id == null) {
            id = ctx.env("CLAUDE_INSTANCE_ID"); // what the original's hooks set
        }
        return id == null ? "cli" : id;
    }

    static String leaseLine(Map<String, Object> lease) {
        StringBuilder sb = new StringBuilder();
        sb.append(Json.str(lease.get("service_type")));
        String name = Json.str(lease.get("service_name"));
        if (name != null && !name.isEmpty()) {
            sb.append(" \"").append(name).append('"');
        }
        sb.append(", lock ").append(Json.str(lease.get("lock_id")));
        Map<String, Object> owner = Json.obj(lease.get("owner"));
        if (owner.get("pid") != null) {
            sb.append(", pid ").append(Json.str(owner.get("pid")));
        }
        String project = Json.str(lease.get("project_path"));
        if (project != null && !project.isEmpty()) {
            sb.append(", project ").append(project);
        }
        return sb.toString();
    }

    static String listenerLine(Map<String, Object> l) {
        StringBuilder sb = new StringBuilder();
        sb.append(or(Json.str(l.get("protocol")), "tcp")).append(' ')
                .append(or(Json.str(l.get("address")), "*")).append(':').append(Json.str(l.get("port")));
        if (l.get("pid") != null) {
            sb.append(" pid ").append(Json.str(l.get("pid")));
        }
        String process = Json.str(l.get("process"));
        if (process != null) {
            sb.append(' ').append(process);
        }
        String type = Json.str(l.get("service_type"));
        if (type != null && !type.equals("unknown")) {
            sb.append(" (").append(type).append(')');
        }
        return sb.toString();
    }

    static String or(String s, String fallback) {
        return s == null || s.isEmpty() ? fallback : s;
    }

    // ------------------------------------------------------------------------------------------- allocate

    static CommandSpec allocateSpec() {
        CommandSpec spec = command("allocate", PortCommands::allocate, "Lease a port for a service.",
                "Asks the daemon for a free port of the service type: the requested port if free, else the type's "
                        + "preferred ports, else its range. A lease lives until released; with --pid it is released "
                        + "by the daemon as soon as that process exits. A service type the daemon does not know gets "
                        + "a range of its own when auto-allocation is on. A held singleton (e.g. ai) is reused and "
                        + "counts as success.");
        spec.addOption(OptionSpec.builder("-s", "--service").type(String.class).paramLabel("TYPE").required(true)
                .description("Service type (dev, api, database, …; styxy config show lists them).").build());
        spec.addOption(option("PORT", Integer.class, "Preferred port.", "-p", "--port"));
        spec.addOption(option("NAME", String.class, "Service name (free text, shown in list).", "-n", "--name"));
        spec.addOption(option("DIR", String.class, "Project directory (default: the current directory).",
                "--project"));
        spec.addOption(option("ID", String.class,
                "Instance id (default: $STYXY_INSTANCE_ID, else \"cli\").", "--instance"));
        spec.addOption(option("PID", Long.class, "Owner process: the lease is released when it exits.", "--pid"));
        spec.addOption(flag("Same port for the same project and service on every run while it is free.",
                "--stable"));
        spec.addOption(option("PROTO", String.class, "tcp (default) or udp.", "--protocol"));
        spec.addOption(flag("Show which port would be leased, lease nothing.", "--dry-run"));
        spec.addOption(flag("Print only the port number.", "-q", "--quiet"));
        spec.addOption(jsonOption());
        return examples(spec, "styxy allocate -s dev", "PORT=$(styxy allocate -s api -n backend -q)",
                "styxy allocate -s dev -p 3005 --stable --json");
    }

    static int allocate(Ctx ctx, ParseResult pr) {
        String type = pr.matchedOptionValue("--service", null);
        if (type == null || type.isBlank()) {
            throw CliException.usage("Missing required option: '--service=TYPE'.",
                    "Try 'styxy allocate --help'. The service types are listed by: styxy config show");
        }
        String protocol = pr.matchedOptionValue("--protocol", null);
        if (protocol != null && !protocol.equals("tcp") && !protocol.equals("udp")) {
            throw CliException.usage("--protocol: '" + protocol + "' is neither tcp nor udp.", null);
        }
        Long pid = pr.matchedOptionValue("--pid", null);
        if (pid != null && pid <= 0) {
            throw CliException.usage("--pid: " + pid + " is not a process id.", null);
        }
        String project = pr.matchedOptionValue("--project", null);
        Map<String, Object> body = Json.of(
                "service_type", type,
                "service_name", pr.matchedOptionValue("--name", null),
                "preferred_port", port(pr, "--port"),
                "instance_id", instanceId(ctx, pr.matchedOptionValue("--instance", null)),
                "project_path", project == null ? ctx.cwd.toString() : ctx.cwd.resolve(project).normalize().toString(),
                "pid", pid,
                "stable", flagSet(pr, "--stable") ? Boolean.TRUE : null,
                "dry_run", flagSet(pr, "--dry-run") ? Boolean.TRUE : null,
                "protocol", protocol);
        Map<String, Object> r = Legacy.allocate(DaemonClient.forCtx(ctx), body);
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        Map<String, Object> lease = Json.obj(r.get("lease"));
        Object port = Json.bool(r.get("dry_run")) ? r.get("port") : lease.get("port");
        if (flagSet(pr, "--quiet")) {
            ctx.out.println(Json.str(port));
            return ExitCodes.OK;
        }
        if (Json.bool(r.get("dry_run"))) {
            ctx.out.println("Port " + Json.str(port) + " is free for " + type + " (dry run: nothing leased).");
            return ExitCodes.OK;
        }
        Map<String, Object> auto = Json.obj(r.get("auto_range"));
        if (!auto.isEmpty()) {
            ctx.out.println(ctx.yellow("New service type " + type + " got the range "
                    + rangeText(auto) + ".") + describeAuto(auto));
        }
        if (Json.bool(r.get("existing"))) {
            ctx.out.println(ctx.green("Reusing port " + Json.str(port)) + ": " + type
                    + " is a singleton and already runs (" + leaseLine(lease) + ").");
        } else {
            ctx.out.println(ctx.green("Leased port " + Json.str(port)) + " for " + leaseLine(lease) + ".");
        }
        if (pid == null && !Json.bool(r.get("existing"))) {
            ctx.out.println(ctx.dim("Release it with: styxy release " + Json.str(lease.get("lock_id"))));
        }
        return ExitCodes.OK;
    }

    private static String rangeText(Map<String, Object> auto) {
        Map<String, Object> range = Json.obj(auto.get("port_range"));
        if (!range.isEmpty()) {
            return Json.str(range.get("start")) + "-" + Json.str(range.get("end"));
        }
        if (auto.get("start") != null) {
            return Json.str(auto.get("start")) + "-" + Json.str(auto.get("end"));
        }
        return Json.str(auto.getOrDefault("range", "?"));
    }

    private static String describeAuto(Map<String, Object> auto) {
        StringBuilder sb = new StringBuilder();
        if (auto.get("chunk_size") != null) {
            sb.append(" Chunk ").append(Json.str(auto.get("chunk_size")));
        }
        if (auto.get("placement") != null) {
            sb.append(sb.isEmpty() ? " Placement " : ", placement ").append(Json.str(auto.get("placement")));
        }
        return sb.isEmpty() ? "" : sb.append('.').toString();
    }

    // ------------------------------------------------------------------------------------------- release

    static CommandSpec releaseSpec() {
        CommandSpec spec = command("release", PortCommands::release,
                "Release leases by lock id, port or owner pid.",
                "Give exactly one of LOCK_ID, --port, --pid or --instance. Releasing by port, pid or instance when "
                        + "nothing matches is not an error (nothing to do); an unknown LOCK_ID is (exit 4).");
        spec.addPositional(positional("LOCK_ID", String.class, "0..1", "Lock id printed by allocate."));
        spec.addOption(option("PORT", Integer.class, "Release the lease on this port.", "--port", "-p"));
        spec.addOption(option("PID", Long.class, "Release every lease owned by this process.", "--pid"));
        spec.addOption(option("ID", String.class, "Release every lease of this instance.", "--instance"));
        spec.addOption(jsonOption());
        return examples(spec, "styxy release 0b6f7c1e-5d0e-4c3a-9f6e-2d7f1b8a9c10", "styxy release --port 3000",
                "styxy release --pid 4242 --json");
    }

    static int release(Ctx ctx, ParseResult pr) {
        String lock = pr.matchedPositionalValue(0, null);
        Integer port = port(pr, "--port");
        Long pid = pr.matchedOptionValue("--pid", null);
        String instance = pr.matchedOptionValue("--instance", null);
        int given = (lock != null ? 1 : 0) + (port != null ? 1 : 0) + (pid != null ? 1 : 0)
                + (instance != null ? 1 : 0);
        if (given != 1) {
            throw CliException.usage(given == 0 ? "Say what to release: LOCK_ID, --port, --pid or --instance."
                    : "Give only one of LOCK_ID, --port, --pid and --instance.", "Try 'styxy release --help'.");
        }
        String path = lock != null ? null
                : port != null ? "/v1/leases?port=" + port
                : pid != null ? "/v1/leases?pid=" + pid
                : "/v1/leases?instance_id=" + enc(instance);
        DaemonClient client = DaemonClient.forCtx(ctx);
        Map<String, Object> r = path == null ? Legacy.releaseLock(client, lock) : client.delete(path);
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        List<Object> released = Json.list(r.get("released"));
        if (released.isEmpty()) {
            ctx.out.println("Nothing to release: no lease matched.");
        }
        for (Object o : released) {
            Map<String, Object> lease = Json.obj(o);
            ctx.out.println("Released port " + Json.str(lease.get("port")) + " (" + leaseLine(lease) + ").");
        }
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- check

    static CommandSpec checkSpec() {
        CommandSpec spec = command("check", PortCommands::check, "Show who holds a port, or that it is free.",
                "Shows the Styxy lease on the port, the processes listening on it, and whether the daemon would "
                        + "hand it out. The exit code is 0 either way; read 'available' in --json.");
        spec.addPositional(positional("PORT", Integer.class, "1", "The port."));
        spec.addOption(jsonOption());
        return examples(spec, "styxy check 3000", "styxy check 3000 --json | jq .available");
    }

    static int check(Ctx ctx, ParseResult pr) {
        Integer port = checkPort(pr.matchedPositionalValue(0, null), "PORT");
        Map<String, Object> r = Legacy.check(DaemonClient.forCtx(ctx), port);
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        boolean available = Json.bool(r.get("available"));
        ctx.out.println("Port " + port + ": " + (available ? ctx.green("free") : ctx.red("in use")));
        Map<String, Object> lease = Json.obj(r.get("lease"));
        if (!lease.isEmpty()) {
            ctx.out.println("  lease     " + leaseLine(lease));
        }
        for (Object l : Json.list(r.get("listeners"))) {
            ctx.out.println("  listener  " + listenerLine(Json.obj(l)));
        }
        if (Json.bool(r.get("quarantined"))) {
            ctx.out.println("  quarantined: released a moment ago, handed out again shortly");
        }
        if (Json.bool(r.get("held"))) {
            ctx.out.println("  held: reserved by a recent suggestion");
        }
        if (r.containsKey("bindable") && !Json.bool(r.get("bindable")) && lease.isEmpty()
                && Json.list(r.get("listeners")).isEmpty()) {
            ctx.out.println("  not bindable: something outside Styxy's view uses it");
        }
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- scan

    static CommandSpec scanSpec() {
        CommandSpec spec = command("scan", PortCommands::scan, "Show the state of a range of ports.",
                "Lists the ports of the range that are leased or have listeners.");
        spec.addOption(option("PORT", Integer.class, "First port (default 3000).", "-s", "--start"));
        spec.addOption(option("PORT", Integer.class, "Last port (default 9999).", "-e", "--end"));
        spec.addOption(jsonOption());
        return examples(spec, "styxy scan", "styxy scan --start 8000 --end 8099 --json");
    }

    static int scan(Ctx ctx, ParseResult pr) {
        Integer start = port(pr, "--start");
        Integer end = port(pr, "--end");
        int s = start == null ? 3000 : start;
        int e = end == null ? Math.max(s, 9999) : end;
        if (e < s) {
            throw CliException.usage("--end " + e + " is below --start " + s + ".", null);
        }
        Map<String, Object> r = DaemonClient.forCtx(ctx).get("/v1/ports?start=" + s + "&end=" + e);
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        Table t = new Table("PORT", "HOLDER", "DETAIL");
        for (Object o : Json.list(r.get("ports"))) {
            Map<String, Object> p = Json.obj(o);
            Map<String, Object> lease = Json.obj(p.get("lease"));
            List<Object> listeners = Json.list(p.get("listeners"));
            if (!lease.isEmpty()) {
                t.row(p.get("port"), "styxy", leaseLine(lease));
            }
            for (Object l : listeners) {
                t.row(p.get("port"), "listener", listenerLine(Json.obj(l)));
            }
        }
        ctx.out.println("Ports " + Json.str(r.getOrDefault("start", s)) + "-" + Json.str(r.getOrDefault("end", e))
                + ":");
        if (t.isEmpty()) {
            ctx.out.println("all free.");
        } else {
            t.print(ctx);
        }
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- list

    static CommandSpec listSpec() {
        CommandSpec spec = command("list", PortCommands::list, "List the daemon's leases.");
        spec.addOption(option("TYPE", String.class, "Only leases of this service type.", "-s", "--service"));
        spec.addOption(option("ID", String.class, "Only leases of this instance.", "--instance"));
        spec.addOption(option("PID", Long.class, "Only leases owned by this process.", "--pid"));
        spec.addOption(flag("Show project, instance, origin and times too.", "-v", "--verbose"));
        spec.addOption(jsonOption());
        return examples(spec, "styxy list", "styxy list --service dev -v", "styxy list --json");
    }

    static int list(Ctx ctx, ParseResult pr) {
        StringBuilder q = new StringBuilder("/v1/leases");
        char sep = '?';
        String type = pr.matchedOptionValue("--service", null);
        if (type != null) {
            q.append(sep).append("service_type=").append(enc(type));
            sep = '&';
        }
        String instance = pr.matchedOptionValue("--instance", null);
        if (instance != null) {
            q.append(sep).append("instance_id=").append(enc(instance));
            sep = '&';
        }
        Long pid = pr.matchedOptionValue("--pid", null);
        if (pid != null) {
            q.append(sep).append("pid=").append(pid);
        }
        Map<String, Object> r = Legacy.list(DaemonClient.forCtx(ctx), q.toString(), type, instance, pid);
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        List<Object> leases = Json.list(r.get("leases"));
        if (leases.isEmpty()) {
            ctx.out.println(type == null ? "No leases." : "No leases of type " + type + ".");
            return ExitCodes.OK;
        }
        boolean verbose = flagSet(pr, "--verbose");
        Table t = verbose
                ? new Table("PORT", "TYPE", "NAME", "PID", "LOCK", "PROJECT", "INSTANCE", "ORIGIN", "CREATED")
                : new Table("PORT", "TYPE", "NAME", "PID", "LOCK");
        for (Object o : leases) {
            Map<String, Object> l = Json.obj(o);
            Object ownerPid = Json.obj(l.get("owner")).get("pid");
            if (verbose) {
                t.row(l.get("port"), l.get("service_type"), l.get("service_name"), ownerPid, l.get("lock_id"),
                        l.get("project_path"), l.get("instance_id"), l.get("origin"), l.get("created_at"));
            } else {
                t.row(l.get("port"), l.get("service_type"), l.get("service_name"), ownerPid, l.get("lock_id"));
            }
        }
        t.print(ctx);
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- suggest

    static CommandSpec suggestSpec() {
        CommandSpec spec = command("suggest", PortCommands::suggest,
                "Suggest free ports of a service type (held briefly for you).",
                "The ports are held for a short while so that an allocate right after gets them.");
        spec.addPositional(positional("TYPE", String.class, "1", "Service type."));
        spec.addOption(option("N", Integer.class, "How many ports (default 3).", "-n", "--count"));
        spec.addOption(jsonOption());
        return examples(spec, "styxy suggest dev", "styxy suggest api -n 5 --json");
    }

    static int suggest(Ctx ctx, ParseResult pr) {
        String type = pr.matchedPositionalValue(0, null);
        Integer n = pr.matchedOptionValue("--count", null);
        int count = n == null ? 3 : n;
        if (count < 1 || count > 100) {
            throw CliException.usage("--count: " + count + " is not between 1 and 100.", null);
        }
        Map<String, Object> r = DaemonClient.forCtx(ctx).get("/v1/suggestions/" + enc(type) + "?count=" + count);
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        List<Object> ports = Json.list(r.get("ports"));
        if (ports.isEmpty()) {
            ctx.out.println("No free port of type " + type + ".");
            return ExitCodes.NO_PORT;
        }
        List<String> names = new ArrayList<>();
        for (Object p : ports) {
            names.add(Json.str(p));
        }
        String held = r.get("held_for_seconds") == null ? ""
                : " (held for you for " + Json.str(r.get("held_for_seconds")) + " s)";
        ctx.out.println("Free " + type + " ports: " + String.join(", ", names) + held + ".");
        ctx.out.println(ctx.dim("Lease one with: styxy allocate -s " + type + " -p " + names.getFirst()));
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- observe

    static CommandSpec observeSpec() {
        CommandSpec spec = command("observe", PortCommands::observe,
                "Show the processes listening on a port, or on all ports.",
                "What the daemon's port observer sees: protocol, address, process, its command and directory.");
        spec.addPositional(positional("PORT", Integer.class, "0..1", "The port (or use --all)."));
        spec.addOption(flag("Every listener on the machine.", "-a", "--all"));
        spec.addOption(flag("Show command lines and working directories too.", "-v", "--verbose"));
        spec.addOption(jsonOption());
        return examples(spec, "styxy observe 3000", "styxy observe --all -v");
    }

    static int observe(Ctx ctx, ParseResult pr) {
        Integer port = checkPort(pr.matchedPositionalValue(0, null), "PORT");
        boolean all = flagSet(pr, "--all");
        if ((port == null) == !all) {
            throw CliException.usage(port == null ? "Give a PORT or --all." : "Give either a PORT or --all.",
                    "Try 'styxy observe --help'.");
        }
        DaemonClient client = DaemonClient.forCtx(ctx);
        Map<String, Object> r = all ? client.get("/v1/listeners") : Legacy.check(client, port);
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        List<Object> listeners = Json.list(r.get("listeners"));
        if (listeners.isEmpty()) {
            ctx.out.println(all ? "No listeners." : "Nothing listens on port " + port + ".");
            return ExitCodes.OK;
        }
        boolean verbose = flagSet(pr, "--verbose");
        Table t = verbose ? new Table("PROTO", "ADDRESS", "PORT", "PID", "PROCESS", "TYPE", "USER", "CWD", "COMMAND")
                : new Table("PROTO", "ADDRESS", "PORT", "PID", "PROCESS", "TYPE");
        for (Object o : listeners) {
            Map<String, Object> l = Json.obj(o);
            if (verbose) {
                t.row(l.get("protocol"), l.get("address"), l.get("port"), l.get("pid"), l.get("process"),
                        l.get("service_type"), l.get("user"), l.get("cwd"), l.get("command"));
            } else {
                t.row(l.get("protocol"), l.get("address"), l.get("port"), l.get("pid"), l.get("process"),
                        l.get("service_type"));
            }
        }
        t.print(ctx);
        if (all && r.get("observer") != null) {
            ctx.out.println(ctx.dim("observer: " + Json.str(r.get("observer"))));
        }
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- instances

    static CommandSpec instancesSpec() {
        CommandSpec spec = command("instances", PortCommands::instances, "List the registered instances.",
                "Instances are the sessions (agents, editors, scripts) that register with the daemon and send "
                        + "heartbeats; their leases go when the heartbeats stop.");
        spec.addOption(jsonOption());
        return spec;
    }

    static int instances(Ctx ctx, ParseResult pr) {
        Map<String, Object> r = DaemonClient.forCtx(ctx).get("/v1/instances");
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        List<Object> instances = Json.list(r.get("instances"));
        if (instances.isEmpty()) {
            ctx.out.println("No instances.");
            return ExitCodes.OK;
        }
        Table t = new Table("INSTANCE", "PID", "PROJECT", "LEASES", "LAST HEARTBEAT");
        for (Object o : instances) {
            Map<String, Object> i = Json.obj(o);
            Object leases = i.get("leases");
            t.row(first(i, "instance_id", "id"), first(i, "pid"), first(i, "project_path", "working_directory"),
                    leases instanceof List<?> l ? l.size() : leases,
                    first(i, "last_heartbeat", "heartbeat_at", "last_heartbeat_at"));
        }
        t.print(ctx);
        return ExitCodes.OK;
    }

    static Object first(Map<String, Object> m, String... keys) {
        for (String k : keys) {
            if (m.get(k) != null) {
                return m.get(k);
            }
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------- cleanup

    static CommandSpec cleanupSpec() {
        CommandSpec spec = command("cleanup", PortCommands::cleanup, "Release the leases whose owners are gone.",
                "The daemon does this by itself within a second of an owner's exit; cleanup is for leases without "
                        + "an owner process. --force releases every lease that has no live owner, however recent.");
        spec.addOption(flag("Also release recent leases without a live owner.", "-f", "--force"));
        spec.addOption(jsonOption());
        return spec;
    }

    static int cleanup(Ctx ctx, ParseResult pr) {
        Map<String, Object> r = DaemonClient.forCtx(ctx).post("/v1/cleanup",
                Json.of("force", flagSet(pr, "--force")));
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        Object released = r.get("released");
        if (released instanceof List<?> list) {
            ctx.out.println("Released " + list.size() + (list.size() == 1 ? " lease." : " leases."));
            for (Object o : list) {
                Map<String, Object> lease = Json.obj(o);
                if (!lease.isEmpty()) {
                    ctx.out.println("  port " + Json.str(lease.get("port")) + " (" + leaseLine(lease) + ")");
                }
            }
        } else {
            long n = Json.num(released, 0);
            ctx.out.println("Released " + n + (n == 1 ? " lease." : " leases."));
        }
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- where

    static CommandSpec whereSpec() {
        CommandSpec spec = command("where", PortCommands::where,
                "Show where the interposer moved servers whose port was taken.",
                "Each line is one reassignment: which process asked for which port, and the port it got instead.");
        spec.addPositional(positional("PORT", Integer.class, "0..1", "Only moves away from (or to) this port."));
        spec.addOption(jsonOption());
        return examples(spec, "styxy where", "styxy where 3000");
    }

    static int where(Ctx ctx, ParseResult pr) {
        Integer port = checkPort(pr.matchedPositionalValue(0, null), "PORT");
        Map<String, Object> r = DaemonClient.forCtx(ctx).get("/v1/reassignments" + (port == null ? "" : "?port="
                + port));
        if (flagSet(pr, "--json")) {
            printJson(ctx, r);
            return ExitCodes.OK;
        }
        List<Object> moves = Json.list(r.get("reassignments"));
        if (moves.isEmpty()) {
            ctx.out.println(port == null ? "No server has been moved." : "No server has been moved from port "
                    + port + ".");
            return ExitCodes.OK;
        }
        Table t = new Table("AT", "PID", "ASKED", "GOT", "TYPE", "COMMAND");
        for (Object o : moves) {
            Map<String, Object> m = Json.obj(o);
            t.row(m.get("at"), m.get("pid"), m.get("asked_port"), m.get("given_port"), m.get("service_type"),
                    m.get("command"));
        }
        t.print(ctx);
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- events

    static CommandSpec eventsSpec() {
        CommandSpec spec = command("events", PortCommands::events, "Follow the daemon's events as they happen.",
                "One line per event (lease.granted, lease.released, port.reassigned, listener.appeared, "
                        + "listener.vanished, service_type.created) until interrupted or the daemon stops. With "
                        + "--json, one JSON object per line: {\"event\": NAME, \"data\": …}.");
        spec.addOption(option("NAME", String[].class, "Only these events (repeatable).", "-t", "--type"));
        spec.addOption(option("N", Integer.class, "Stop after N events.", "-c", "--count"));
        spec.addOption(flag("JSON lines: one JSON object per event.", "--json"));
        return examples(spec, "styxy events", "styxy events --type lease.granted --json");
    }

    static int events(Ctx ctx, ParseResult pr) throws IOException {
        String[] types = pr.matchedOptionValue("--type", new String[0]);
        Integer count = pr.matchedOptionValue("--count", null);
        if (count != null && count < 1) {
            throw CliException.usage("--count must be at least 1.", null);
        }
        boolean json = flagSet(pr, "--json");
        int seen = 0;
        try (InputStream in = DaemonClient.forCtx(ctx).stream("/v1/events");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String event = "message";
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        if (wanted(types, event)) {
                            printEvent(ctx, json, event, data.toString());
                            seen++;
                            if (count != null && seen >= count) {
                                return ExitCodes.OK;
                            }
                        }
                    }
                    event = "message";
                    data.setLength(0);
                } else if (line.startsWith(":")) {
                    continue; // comment / keep-alive
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    if (field.equals("event")) {
                        event = value;
                    } else if (field.equals("data")) {
                        if (!data.isEmpty()) {
                            data.append('\n');
                        }
                        data.append(value);
                    }
                }
            }
        }
        ctx.err.println("styxy: the daemon closed the event stream.");
        return ExitCodes.UNREACHABLE;
    }

    private static boolean wanted(String[] types, String event) {
        if (types.length == 0) {
            return true;
        }
        for (String t : types) {
            if (t.equals(event)) {
                return true;
            }
        }
        return false;
    }

    private static void printEvent(Ctx ctx, boolean json, String event, String data) {
        Object parsed;
        try {
            parsed = Json.parse(data);
        } catch (Json.JsonException e) {
            parsed = data;
        }
        if (json) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("event", event);
            line.put("data", parsed);
            ctx.out.println(Json.write(line));
        } else {
            StringBuilder sb = new StringBuilder();
            sb.append(LocalTime.now().truncatedTo(ChronoUnit.SECONDS)).append("  ").append(ctx.bold(event));
            flatten(sb, "", parsed);
            ctx.out.println(sb);
        }
        ctx.out.flush();
    }

    private static void flatten(StringBuilder sb, String prefix, Object value) {
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                Object v = e.getValue();
                String key = e.getKey().toString();
                if (v instanceof Map<?, ?>) {
                    flatten(sb, key.equals("lease") || key.equals("listener") ? "" : prefix + key + ".", v);
                } else if (v != null && !(v instanceof List<?>)) {
                    sb.append(' ').append(prefix).append(key).append('=').append(Json.str(v));
                }
            }
        } else if (value != null) {
            sb.append(' ').append(Json.str(value));
        }
    }
}
