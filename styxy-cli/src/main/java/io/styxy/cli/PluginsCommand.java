package io.styxy.cli;

import static io.styxy.cli.Cli.command;
import static io.styxy.cli.Cli.examples;
import static io.styxy.cli.Cli.flagSet;
import static io.styxy.cli.Cli.jsonOption;

import java.util.List;
import java.util.Map;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/** {@code styxy plugins list}: every plugin, service type and observer with its source and version, and problems. */
final class PluginsCommand {

    private PluginsCommand() {
    }

    static CommandSpec spec() {
        CommandSpec list = command("list", PluginsCommand::list, "List plugins, service types and observers.",
                "Shows every plugin the daemon found (loaded or skipped, with the reason), every service type and "
                        + "observer with its source (builtin, plugin:<name>, user, auto) and version, and the "
                        + "conflicts between them. Plugins are jars in $STYXY_HOME/plugins/<name>/.");
        list.addOption(jsonOption());
        examples(list, "styxy plugins list", "styxy plugins list --json");
        return Cli.group("plugins", "Show the plugins the daemon loaded and what they provide.", list);
    }

    static int list(Ctx ctx, ParseResult pr) {
        Map<String, Object> report = DaemonClient.forCtx(ctx).get("/v1/plugins");
        if (flagSet(pr, "--json")) {
            ctx.out.println(Json.pretty(report));
            return ExitCodes.OK;
        }
        List<Object> plugins = Json.list(report.get("plugins"));
        if (plugins.isEmpty()) {
            ctx.out.println("No plugins installed (put jars in $STYXY_HOME/plugins/<name>/ and restart the daemon).");
        } else {
            Table t = new Table("PLUGIN", "STATUS", "VERSION", "TYPES", "OBSERVERS", "REASON");
            for (Object o : plugins) {
                Map<String, Object> p = Json.obj(o);
                t.row(p.get("name"), p.get("status"), p.get("version"), join(p.get("service_types")),
                        join(p.get("observers")), p.get("reason"));
            }
            t.print(ctx);
        }
        ctx.out.println();
        Table types = new Table("TYPE", "SOURCE", "VERSION", "RANGE", "STATUS");
        for (Object o : Json.list(report.get("service_types"))) {
            Map<String, Object> t = Json.obj(o);
            List<Object> range = Json.list(t.get("port_range"));
            String status = Json.bool(t.get("active")) ? "active"
                    : "overridden by " + Json.str(t.get("overridden_by"));
            types.row(t.get("name"), t.get("source"), t.get("version"),
                    range.size() == 2 ? Json.str(range.get(0)) + "-" + Json.str(range.get(1)) : null, status);
        }
        types.print(ctx);
        ctx.out.println();
        Table observers = new Table("OBSERVER", "SOURCE", "VERSION", "PRIORITY", "USABLE");
        for (Object o : Json.list(report.get("observers"))) {
            Map<String, Object> ob = Json.obj(o);
            observers.row(ob.get("name"), ob.get("source"), ob.get("version"), ob.get("priority"),
                    Json.bool(ob.get("usable")) ? "yes" : "no");
        }
        observers.print(ctx);
        for (Object o : Json.list(report.get("conflicts"))) {
            ctx.out.println("conflict: " + Json.str(Json.obj(o).get("message")));
        }
        for (Object o : Json.list(report.get("warnings"))) {
            ctx.out.println("warning: " + Json.str(o));
        }
        for (Object o : Json.list(report.get("errors"))) {
            Map<String, Object> e = Json.obj(o);
            ctx.err.println("skipped plugin " + Json.str(e.get("plugin")) + ": " + Json.str(e.get("reason")));
        }
        return Json.list(report.get("errors")).isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static String join(Object list) {
        List<Object> items = Json.list(list);
        return items.isEmpty() ? "-" : String.join(",", items.stream().map(Json::str).toList());
    }
}
