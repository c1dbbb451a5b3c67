package io.styxy.cli;

import static io.styxy.cli.Cli.command;
import static io.styxy.cli.Cli.examples;
import static io.styxy.cli.Cli.flag;
import static io.styxy.cli.Cli.flagSet;
import static io.styxy.cli.Cli.jsonOption;
import static io.styxy.cli.Cli.option;
import static io.styxy.cli.Cli.positional;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/** styxy config show|validate|generate|auto-allocation. */
final class ConfigCommands {
    private static final Set<String> TOP_LEVEL = Set.of("service_types", "auto_allocation", "auto_allocation_rules",
            "recovery", "observer", "observers", "daemon", "compliance", "instance_templates", "plugins");

    private ConfigCommands() {
    }

    static CommandSpec spec() {
        CommandSpec show = command("show", ConfigCommands::show,
                "Print the configuration the daemon runs with (built-in types merged with yours).");
        show.addOption(jsonOption());

        CommandSpec validate = command("validate", ConfigCommands::validate,
                "Check a configuration file (default $STYXY_HOME/config.json).",
                "Checks the JSON, the keys and the port ranges here, and asks the daemon too when it runs. Exit 0 "
                        + "when valid, 1 when not.");
        validate.addPositional(positional("FILE", String.class, "0..1", "The file to check."));
        validate.addOption(jsonOption());

        CommandSpec generate = command("generate", ConfigCommands::generate,
                "Write a starting config.json with an example service type.",
                "Writes $STYXY_HOME/config.json (mode 0600); an existing file is kept unless --force. The daemon "
                        + "reads it at start: restart it afterwards (styxy daemon restart).");
        generate.addOption(option("FILE", String.class, "Write here instead.", "-o", "--output"));
        generate.addOption(flag("Overwrite an existing file.", "-f", "--force"));
        generate.addOption(jsonOption());

        CommandSpec auto = command("auto-allocation", ConfigCommands::autoStatus,
                "Show or change the auto-allocation of unknown service types.",
                "Without a subcommand: the status, as the daemon runs it, and the types it created.");
        auto.addOption(jsonOption());
        CommandSpec status = command("status", ConfigCommands::autoStatus,
                "Show whether auto-allocation is on, and the types it created.");
        status.addOption(jsonOption());
        CommandSpec enable = command("enable", (c, p) -> autoEnable(c, p, true),
                "Turn auto-allocation on in config.json.");
        enable.addOption(jsonOption());
        CommandSpec disable = command("disable", (c, p) -> autoEnable(c, p, false),
                "Turn auto-allocation off in config.json.");
        disable.addOption(jsonOption());
        CommandSpec list = command("list", ConfigCommands::autoList, "List the auto-allocated service types.");
        list.addOption(jsonOption());
        CommandSpec undo = command("undo", ConfigCommands::autoUndo,
                "Remove an auto-allocated service type from config.json.");
        undo.addPositional(positional("TYPE", String.class, "1", "The service type."));
        undo.addOption(jsonOption());
        for (CommandSpec s : List.of(status, enable, disable, list, undo)) {
            auto.addSubcommand(s.name(), s);
        }
        examples(generate, "styxy config generate", "styxy config generate -o /tmp/styxy.json --force");
        return Cli.group("config", "Show, validate or generate the configuration.", show, validate, generate, auto);
    }

    static Path userConfig(Ctx ctx) {
        return ctx.home().resolve("config.json");
    }

    // ------------------------------------------------------------------------------------------- show

    static int show(Ctx ctx, ParseResult pr) {
        Map<String, Object> config = Legacy.config(DaemonClient.forCtx(ctx));
        ctx.out.println(Json.pretty(config));
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- validate

    /** The findings of a validation. */
    record Findings(List<String> errors, List<String> warnings) {
        Findings() {
            this(new ArrayList<>(), new ArrayList<>());
        }
    }

    static int validate(Ctx ctx, ParseResult pr) {
        String file = pr.matchedPositionalValue(0, null);
        Path path = file == null ? userConfig(ctx) : ctx.cwd.resolve(file);
        String text;
        try {
            text = Files.readString(path);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCodes.NOT_FOUND, "NOT_FOUND", path + " does not exist.",
                    file == null ? "Without it the daemon uses its built-in types. Create one with: styxy config "
                            + "generate" : null);
        } catch (IOException e) {
            throw CliException.failed("Cannot read " + path + ": " + e.getMessage(), null);
        }
        Findings f = new Findings();
        Object doc = null;
        try {
            doc = Json.parse(text);
        } catch (Json.JsonException e) {
            f.errors.add("not valid JSON: " + e.getMessage());
        }
        if (doc != null) {
            check(doc, f);
        }
        String daemon = "not asked";
        if (f.errors.isEmpty()) {
            try {
                Map<String, Object> r = DaemonClient.forCtx(ctx).post("/v1/config/validate", doc);
                daemon = "asked";
                for (Object e : Json.list(r.get("errors"))) {
                    f.errors.add("daemon: " + (e instanceof Map<?, ?> m ? Json.str(Json.obj(m).get("message"))
                            : Json.str(e)));
                }
                for (Object w : Json.list(r.get("warnings"))) {
                    f.warnings.add("daemon: " + (w instanceof Map<?, ?> m ? Json.str(Json.obj(m).get("message"))
                            : Json.str(w)));
                }
                if (r.containsKey("valid") && !Json.bool(r.get("valid")) && Json.list(r.get("errors")).isEmpty()) {
                    f.errors.add("daemon: not valid");
                }
            } catch (CliException e) {
                if (e.exitCode() == ExitCodes.UNREACHABLE) {
                    daemon = "not running";
                    f.warnings.add("the daemon is not running: checked here only (JSON, keys, ranges)");
                } else if (e.exitCode() == ExitCodes.NOT_FOUND && "NOT_FOUND".equals(e.code())
                        && e.hint() != null) {
                    daemon = "cannot validate";
                } else {
                    daemon = "asked";
                    f.errors.add("daemon: " + e.getMessage());
                }
            }
        }
        boolean valid = f.errors.isEmpty();
        if (flagSet(pr, "--json")) {
            ctx.out.println(Json.pretty(Json.of("file", path.toString(), "valid", valid, "errors", f.errors,
                    "warnings", f.warnings, "daemon", daemon)));
        } else {
            ctx.out.println(valid ? ctx.green(path + " is valid.") : ctx.red(path + " is not valid:"));
            for (String e : f.errors) {
                ctx.out.println("  error: " + e);
            }
            for (String w : f.warnings) {
                ctx.out.println("  warning: " + w);
            }
        }
        return valid ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** Checks the shape of a configuration document. */
    static void check(Object doc, Findings f) {
        if (!(doc instanceof Map<?, ?>)) {
            f.errors.add("the configuration must be a JSON object");
            return;
        }
        Map<String, Object> root = Json.obj(doc);
        for (String key : root.keySet()) {
            if (!TOP_LEVEL.contains(key)) {
                f.warnings.add("unknown key '" + key + "' (ignored)");
            }
        }
        Object types = root.get("service_types");
        if (types != null && !(types instanceof Map<?, ?>)) {
            f.errors.add("service_types must be an object of service types by name");
        }
        List<int[]> ranges = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, Object> e : Json.obj(types).entrySet()) {
            String name = e.getKey();
            String at = "service_types." + name;
            if (!name.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
                f.errors.add(at + ": a type name is lower-case letters, digits, '.', '_' or '-' (at most 63)");
            }
            if (!(e.getValue() instanceof Map<?, ?>)) {
                f.errors.add(at + " must be an object");
                continue;
            }
            Map<String, Object> t = Json.obj(e.getValue());
            if (t.containsKey("range") && !t.containsKey("port_range")) {
                f.errors.add(at + ": the key is port_range, not range");
            }
            int[] range = range(t.get("port_range"), at + ".port_range", f);
            if (range != null) {
                for (int i = 0; i < ranges.size(); i++) {
                    int[] o = ranges.get(i);
                    if (range[0] <= o[1] && o[0] <= range[1]) {
                        f.warnings.add(at + ".port_range overlaps service_types." + names.get(i) + ".port_range");
                    }
                }
                ranges.add(range);
                names.add(name);
            }
            Object preferred = t.get("preferred_ports");
            if (preferred != null) {
                if (!(preferred instanceof List<?>)) {
                    f.errors.add(at + ".preferred_ports must be an array of ports");
                } else {
                    for (Object p : Json.list(preferred)) {
                        if (!(p instanceof Long l) || l < 1 || l > 65535) {
                            f.errors.add(at + ".preferred_ports: " + Json.str(p) + " is not a port");
                        } else if (range != null && (l < range[0] || l > range[1])) {
                            f.warnings.add(at + ".preferred_ports: " + l + " is outside port_range");
                        }
                    }
                }
            }
            Object behavior = t.get("instance_behavior");
            if (behavior != null && !"single".equals(behavior) && !"multi".equals(behavior)) {
                f.errors.add(at + ".instance_behavior must be \"single\" or \"multi\"");
            }
            if (t.get("description") != null && !(t.get("description") instanceof String)) {
                f.errors.add(at + ".description must be a string");
            }
            if (t.get("examples") != null && !(t.get("examples") instanceof List<?>)) {
                f.errors.add(at + ".examples must be an array of strings");
            }
        }
        Object auto = root.get("auto_allocation");
        if (auto != null) {
            if (!(auto instanceof Map<?, ?>)) {
                f.errors.add("auto_allocation must be an object");
            } else {
                Map<String, Object> a = Json.obj(auto);
                if (a.get("enabled") != null && !(a.get("enabled") instanceof Boolean)) {
                    f.errors.add("auto_allocation.enabled must be true or false");
                }
                between(a, "default_chunk_size", 1, 1000, f);
                between(a, "gap_size", 0, 1000, f);
                between(a, "min_port", 1024, 65535, f);
                between(a, "max_port", 1024, 65535, f);
                Object placement = a.get("placement");
                if (placement != null && !List.of("after", "before", "smart").contains(placement)) {
                    f.errors.add("auto_allocation.placement must be after, before or smart");
                }
                if (a.get("min_port") instanceof Long min && a.get("max_port") instanceof Long max && min >= max) {
                    f.errors.add("auto_allocation.min_port must be below max_port");
                }
            }
        }
    }

    private static void between(Map<String, Object> m, String key, long lo, long hi, Findings f) {
        Object v = m.get(key);
        if (v != null && (!(v instanceof Long l) || l < lo || l > hi)) {
            f.errors.add("auto_allocation." + key + " must be a whole number from " + lo + " to " + hi);
        }
    }

    /** [start, end] from {@code [start, end]} or {@code {"start":…, "end":…}}; null (with an error) otherwise. */
    private static int[] range(Object value, String at, Findings f) {
        Object start;
        Object end;
        if (value == null) {
            f.errors.add(at + " is missing (e.g. [12000, 12099])");
            return null;
        }
        if (value instanceof List<?> l && l.size() == 2) {
            start = l.get(0);
            end = l.get(1);
        } else if (value instanceof Map<?, ?> m) {
            start = Json.obj(m).get("start");
            end = Json.obj(m).get("end");
        } else {
            f.errors.add(at + " must be [start, end] or {\"start\": …, \"end\": …}");
            return null;
        }
        if (!(start instanceof Long s) || !(end instanceof Long e) || s < 1 || e > 65535) {
            f.errors.add(at + ": start and end must be ports (1-65535)");
            return null;
        }
        if (s > e) {
            f.errors.add(at + ": start " + s + " is above end " + e);
            return null;
        }
        if (s < 1024) {
            f.warnings.add(at + " starts below 1024 (privileged ports)");
        }
        return new int[] {(int) (long) s, (int) (long) e};
    }

    // ------------------------------------------------------------------------------------------- generate

    static Map<String, Object> sample() {
        Map<String, Object> type = new LinkedHashMap<>();
        type.put("description", "An example service type of your own: rename it, change it or delete it");
        type.put("port_range", List.of(12000L, 12099L));
        type.put("preferred_ports", List.of(12000L, 12001L, 12002L, 12003L));
        type.put("instance_behavior", "multi");
        type.put("examples", List.of("my-tool serve --port $PORT"));
        Map<String, Object> types = new LinkedHashMap<>();
        types.put("my-service", type);
        Map<String, Object> auto = new LinkedHashMap<>();
        auto.put("enabled", true);
        auto.put("default_chunk_size", 10L);
        auto.put("placement", "after");
        auto.put("min_port", 10000L);
        auto.put("max_port", 49151L);
        auto.put("preserve_gaps", true);
        auto.put("gap_size", 10L);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("service_types", types);
        root.put("auto_allocation", auto);
        return root;
    }

    static int generate(Ctx ctx, ParseResult pr) throws IOException {
        String output = pr.matchedOptionValue("--output", null);
        Path path = output == null ? userConfig(ctx) : ctx.cwd.resolve(output);
        if (Files.exists(path) && !flagSet(pr, "--force")) {
            throw CliException.failed(path + " already exists; not overwriting it.",
                    "Check it with: styxy config validate. Overwrite it with: styxy config generate --force");
        }
        writeConfig(path, sample());
        if (flagSet(pr, "--json")) {
            ctx.out.println(Json.pretty(Json.of("written", path.toString())));
        } else {
            ctx.out.println("Wrote " + path + " with an example service type, my-service (ports 12000-12099).");
            ctx.out.println("Edit it, check it with 'styxy config validate', then apply it with 'styxy daemon "
                    + "restart'.");
        }
        return ExitCodes.OK;
    }

    /** Writes a configuration atomically (temporary file, then rename), mode 0600. */
    static void writeConfig(Path path, Map<String, Object> doc) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        Path tmp = Files.createTempFile(dir, ".config", ".json.tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, Json.pretty(doc) + "\n");
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static Map<String, Object> readUserConfig(Ctx ctx) {
        Path path = userConfig(ctx);
        try {
            return new LinkedHashMap<>(Json.parseObject(Files.readString(path)));
        } catch (NoSuchFileException e) {
            return new LinkedHashMap<>();
        } catch (IOException e) {
            throw CliException.failed("Cannot read " + path + ": " + e.getMessage(), null);
        } catch (Json.JsonException e) {
            throw CliException.failed(path + " is not valid JSON (" + e.getMessage() + "); not changing it.",
                    "Fix it first; styxy config validate shows what is wrong.");
        }
    }

    // ------------------------------------------------------------------------------------------- auto-allocation

    static List<Map<String, Object>> autoTypes(Map<String, Object> serviceTypes) {
        List<Map<String, Object>> result = new ArrayList<>();
        for (Object o : Json.list(serviceTypes.get("service_types"))) {
            Map<String, Object> t = Json.obj(o);
            String source = Json.str(t.get("source"));
            if (Json.bool(t.get("auto_allocated")) || (source != null && source.startsWith("auto"))) {
                result.add(t);
            }
        }
        return result;
    }

    static int autoStatus(Ctx ctx, ParseResult pr) {
        DaemonClient client = DaemonClient.forCtx(ctx);
        Map<String, Object> config = client.get("/v1/config");
        Map<String, Object> auto = Json.obj(config.get("auto_allocation"));
        List<Map<String, Object>> types = autoTypes(client.get("/v1/service-types"));
        if (flagSet(pr, "--json")) {
            ctx.out.println(Json.pretty(Json.of("auto_allocation", auto, "auto_allocated_types", types)));
            return ExitCodes.OK;
        }
        boolean on = Json.bool(auto.get("enabled"));
        ctx.out.println("Auto-allocation: " + (on ? ctx.green("enabled") : ctx.yellow("disabled"))
                + (auto.isEmpty() ? "" : " (chunk " + Json.str(auto.get("default_chunk_size")) + ", placement "
                        + Json.str(auto.get("placement")) + ", ports " + Json.str(auto.get("min_port")) + "-"
                        + Json.str(auto.get("max_port")) + ")"));
        printAutoTypes(ctx, types);
        return ExitCodes.OK;
    }

    static int autoList(Ctx ctx, ParseResult pr) {
        List<Map<String, Object>> types = autoTypes(DaemonClient.forCtx(ctx).get("/v1/service-types"));
        if (flagSet(pr, "--json")) {
            ctx.out.println(Json.pretty(Json.of("auto_allocated_types", types)));
            return ExitCodes.OK;
        }
        printAutoTypes(ctx, types);
        return ExitCodes.OK;
    }

    private static void printAutoTypes(Ctx ctx, List<Map<String, Object>> types) {
        if (types.isEmpty()) {
            ctx.out.println("No auto-allocated service types.");
            return;
        }
        Table t = new Table("TYPE", "RANGE", "DESCRIPTION");
        for (Map<String, Object> type : types) {
            Map<String, Object> r = Json.obj(type.get("port_range"));
            t.row(type.get("name"), Json.str(r.get("start")) + "-" + Json.str(r.get("end")), type.get("description"));
        }
        t.print(ctx);
    }

    static int autoEnable(Ctx ctx, ParseResult pr, boolean enabled) throws IOException {
        Map<String, Object> doc = readUserConfig(ctx);
        Map<String, Object> auto = new LinkedHashMap<>(Json.obj(doc.get("auto_allocation")));
        auto.put("enabled", enabled);
        doc.put("auto_allocation", auto);
        writeConfig(userConfig(ctx), doc);
        return applied(ctx, pr, "Auto-allocation " + (enabled ? "enabled" : "disabled") + " in "
                + userConfig(ctx) + ".");
    }

    static int autoUndo(Ctx ctx, ParseResult pr) throws IOException {
        String type = pr.matchedPositionalValue(0, null);
        Map<String, Object> doc = readUserConfig(ctx);
        Map<String, Object> types = new LinkedHashMap<>(Json.obj(doc.get("service_types")));
        Map<String, Object> entry = Json.obj(types.get(type));
        if (entry.isEmpty()) {
            throw new CliException(ExitCodes.NOT_FOUND, "NOT_FOUND", "No service type " + type + " in "
                    + userConfig(ctx) + ".", "See the auto-allocated types with: styxy config auto-allocation list");
        }
        if (!Json.bool(entry.get("auto_allocated"))) {
            throw CliException.failed(type + " was not auto-allocated; not removing it.",
                    "Edit " + userConfig(ctx) + " yourself to remove a type you wrote.");
        }
        types.remove(type);
        doc.put("service_types", types);
        writeConfig(userConfig(ctx), doc);
        return applied(ctx, pr, "Removed the auto-allocated type " + type + " from " + userConfig(ctx) + ".");
    }

    private static int applied(Ctx ctx, ParseResult pr, String what) {
        if (flagSet(pr, "--json")) {
            ctx.out.println(Json.pretty(Json.of("changed", userConfig(ctx).toString(), "message", what,
                    "restart_needed", true)));
        } else {
            ctx.out.println(what);
            ctx.out.println("The daemon reads its configuration at start: apply it with: styxy daemon restart");
        }
        return ExitCodes.OK;
    }
}
