package io.styxy.cli;

import static io.styxy.cli.Cli.command;
import static io.styxy.cli.Cli.examples;
import static io.styxy.cli.Cli.flagSet;
import static io.styxy.cli.Cli.jsonOption;
import static io.styxy.cli.Cli.positional;

import java.nio.file.Path;
import java.util.Map;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/** shell-init, preload-path, completion and version: the commands that need no daemon. */
final class ShellCommands {

    private ShellCommands() {
    }

    // ------------------------------------------------------------------------------------------- preload

    /** LD_PRELOAD with {@code library} added after what is there, unless it is there already. */
    static String appendPreload(String existing, String library) {
        if (existing == null || existing.isBlank()) {
            return library;
        }
        for (String part : existing.split("[ :]+")) {
            if (part.equals(library)) {
                return existing;
            }
        }
        return existing.strip() + " " + library;
    }

    /** The interposer library, which must exist. */
    static Path requirePreload(Ctx ctx) {
        Path lib = ctx.preloadLibrary();
        if (lib == null) {
            throw CliException.failed("Do not know where the interposer library is.",
                    "Run styxy through bin/styxy, or set STYXY_PRELOAD_LIBRARY to the libstyxy-interpose.so path.");
        }
        if (!Ctx.isRegularFile(lib)) {
            throw CliException.failed("The interposer library is not built: " + lib + " is missing.",
                    "Build it with: make -C interposer (bin/styxy builds everything on first use).");
        }
        return lib;
    }

    static CommandSpec preloadPathSpec() {
        CommandSpec spec = command("preload-path", ShellCommands::preloadPath,
                "Print the absolute path of the interposer library.",
                "The library that moves a server whose port is taken to a free one (for LD_PRELOAD). Exit 1 when "
                        + "it is not built.");
        spec.addOption(jsonOption());
        return examples(spec, "LD_PRELOAD=$(styxy preload-path) npm run dev");
    }

    static int preloadPath(Ctx ctx, ParseResult pr) {
        Path lib = requirePreload(ctx);
        if (flagSet(pr, "--json")) {
            ctx.out.println(Json.pretty(Json.of("path", lib.toString())));
        } else {
            ctx.out.println(lib);
        }
        return ExitCodes.OK;
    }

    // ------------------------------------------------------------------------------------------- shell-init

    static CommandSpec shellInitSpec() {
        CommandSpec spec = command("shell-init", ShellCommands::shellInit,
                "Print the shell code that turns the port interposer on.",
                "Evaluate it in a shell (or an agent's session) to preload the interposer into every program "
                        + "started from there: LD_PRELOAD gets the library's absolute path, after any value it "
                        + "already has. Evaluating it twice changes nothing. The shell defaults to the one in "
                        + "$SHELL.");
        spec.addPositional(positional("SHELL", String.class, "0..1", "bash, zsh or fish."));
        return examples(spec, "eval \"$(styxy shell-init)\"            # bash, zsh: add it to ~/.bashrc or ~/.zshrc",
                "styxy shell-init fish | source           # fish: add it to ~/.config/fish/config.fish");
    }

    static int shellInit(Ctx ctx, ParseResult pr) {
        String shell = shell(ctx, pr.matchedPositionalValue(0, null));
        String lib = requirePreload(ctx).toString();
        if (shell.equals("fish")) {
            String glob = fishQuote("*" + lib + "*");
            ctx.out.println("# Styxy: preload the port interposer into the programs started from this shell.");
            ctx.out.println("if not string match -q -- " + glob + " \"$LD_PRELOAD\"");
            ctx.out.println("    set -gx LD_PRELOAD (string trim -- \"$LD_PRELOAD \"" + fishQuote(lib) + ")");
            ctx.out.println("end");
        } else {
            String q = shQuote(lib);
            ctx.out.println("# Styxy: preload the port interposer into the programs started from this shell.");
            ctx.out.println("case \" ${LD_PRELOAD:-} \" in");
            ctx.out.println("  *" + q + "*) ;;");
            ctx.out.println("  *) export LD_PRELOAD=\"${LD_PRELOAD:+$LD_PRELOAD }\"" + q + " ;;");
            ctx.out.println("esac");
        }
        return ExitCodes.OK;
    }

    static String shell(Ctx ctx, String given) {
        String shell = given;
        if (shell == null) {
            String env = ctx.env("SHELL");
            shell = env == null ? "bash" : Path.of(env).getFileName().toString();
            if (!shell.equals("zsh") && !shell.equals("fish")) {
                shell = "bash";
            }
        }
        if (!shell.equals("bash") && !shell.equals("zsh") && !shell.equals("fish")) {
            throw CliException.usage("Unknown shell '" + shell + "': give bash, zsh or fish.", null);
        }
        return shell;
    }

    static String shQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static String fishQuote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    // ------------------------------------------------------------------------------------------- completion

    static CommandSpec completionSpec() {
        CommandSpec spec = command("completion", ShellCommands::completion, "Print a shell completion script.",
                "bash and zsh share one script (zsh through bashcompinit); fish gets its own.");
        spec.addPositional(positional("SHELL", String.class, "0..1", "bash, zsh or fish (default: $SHELL)."));
        return examples(spec, "source <(styxy completion bash)      # or add it to ~/.bashrc",
                "styxy completion fish > ~/.config/fish/completions/styxy.fish");
    }

    static int completion(Ctx ctx, ParseResult pr) {
        String shell = shell(ctx, pr.matchedPositionalValue(0, null));
        Ctx plain = new Ctx(ctx.out, ctx.err, ctx.env, ctx.cwd, ctx.userHome, false, false);
        CommandLine tree = Cli.fullTree(plain);
        if (shell.equals("fish")) {
            ctx.out.print(fish(tree));
        } else {
            ctx.out.print(AutoComplete.bash(Cli.NAME, tree));
        }
        return ExitCodes.OK;
    }

    static String fish(CommandLine tree) {
        StringBuilder sb = new StringBuilder();
        sb.append("# fish completion for ").append(Cli.NAME).append(" (generated by styxy completion fish)\n");
        sb.append("complete -c styxy -f\n");
        fishCommand(sb, tree.getCommandSpec(), "__fish_use_subcommand", "");
        return sb.toString();
    }

    private static void fishCommand(StringBuilder sb, CommandSpec spec, String condition, String path) {
        Map<String, CommandLine> subs = spec.subcommands();
        for (Map.Entry<String, CommandLine> e : subs.entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            String[] desc = sub.usageMessage().description();
            sb.append("complete -c styxy -n ").append(fishQuote(condition)).append(" -a ")
                    .append(fishQuote(e.getKey()));
            if (desc.length > 0) {
                sb.append(" -d ").append(fishQuote(firstSentence(desc[0])));
            }
            sb.append('\n');
        }
        for (Map.Entry<String, CommandLine> e : subs.entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            String here = path.isEmpty() ? e.getKey() : path + " " + e.getKey();
            String seen = "__fish_seen_subcommand_from " + e.getKey();
            String cond = path.isEmpty() ? seen : condition + "; and " + seen;
            if (!sub.subcommands().isEmpty()) {
                String notYet = cond + "; and not __fish_seen_subcommand_from "
                        + String.join(" ", sub.subcommands().keySet());
                fishCommand(sb, sub, notYet, here);
            }
            for (OptionSpec o : sub.options()) {
                sb.append("complete -c styxy -n ").append(fishQuote(cond));
                for (String n : o.names()) {
                    if (n.startsWith("--")) {
                        sb.append(" -l ").append(n.substring(2));
                    } else if (n.startsWith("-") && n.length() == 2) {
                        sb.append(" -s ").append(n.substring(1));
                    }
                }
                if (o.arity().max() > 0) {
                    sb.append(" -r");
                }
                if (o.description().length > 0) {
                    sb.append(" -d ").append(fishQuote(firstSentence(o.description()[0])));
                }
                sb.append('\n');
            }
        }
    }

    private static String firstSentence(String s) {
        int dot = s.indexOf(". ");
        String first = dot < 0 ? s : s.substring(0, dot + 1);
        return first.endsWith(".") ? first.substring(0, first.length() - 1) : first;
    }

    // ------------------------------------------------------------------------------------------- version

    static CommandSpec versionSpec() {
        CommandSpec spec = command("version", ShellCommands::version, "Print the version.",
                "The client's version, its Java runtime, and the version of the running daemon as recorded in "
                        + "$STYXY_HOME/daemon.json.");
        spec.addOption(jsonOption());
        return spec;
    }

    static int version(Ctx ctx, ParseResult pr) {
        DaemonFiles.Info info = DaemonFiles.read(ctx);
        String daemon = info != null && info.alive() ? info.version() : null;
        String java = System.getProperty("java.version");
        if (flagSet(pr, "--json")) {
            ctx.out.println(Json.pretty(Json.of("version", Version.CLI, "java", java, "daemon_version", daemon)));
        } else {
            ctx.out.println(Cli.NAME + " " + Version.CLI + " (java " + java + ")");
            if (daemon != null) {
                ctx.out.println("daemon " + daemon + " (pid " + info.pid() + ", port " + info.httpPort() + ")");
            }
        }
        return ExitCodes.OK;
    }
}
