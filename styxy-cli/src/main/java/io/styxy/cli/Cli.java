package io.styxy.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The command tree, built with picocli's programmatic model. Only the subcommand named on the command line is built
 * in full (the others are not built at all), which keeps the start-up of a one-shot command short.
 */
final class Cli {

    /** What a (leaf) command does with its parsed arguments; returns the exit code. */
    @FunctionalInterface
    interface Action {
        int run(Ctx ctx, ParseResult pr) throws Exception;
    }

    /** A top-level command: its name, its one-line summary and how to build it. */
    record Entry(String name, String summary, Supplier<CommandSpec> build) {
    }

    static final String NAME = "styxy";

    /** Every top-level command, in the order of the help. */
    static List<Entry> entries() {
        return List.of(
                new Entry("daemon", "Start, stop, restart or inspect the daemon; install it as a service.",
                        DaemonCommands::spec),
                new Entry("allocate", "Lease a port for a service.", PortCommands::allocateSpec),
                new Entry("release", "Release leases by lock id, port or owner pid.", PortCommands::releaseSpec),
                new Entry("check", "Show who holds a port, or that it is free.", PortCommands::checkSpec),
                new Entry("scan", "Show the state of a range of ports.", PortCommands::scanSpec),
                new Entry("list", "List the daemon's leases.", PortCommands::listSpec),
                new Entry("suggest", "Suggest free ports of a service type (held briefly for you).",
                        PortCommands::suggestSpec),
                new Entry("observe", "Show the processes listening on a port, or on all ports.",
                        PortCommands::observeSpec),
                new Entry("instances", "List the registered instances.", PortCommands::instancesSpec),
                new Entry("cleanup", "Release the leases whose owners are gone.", PortCommands::cleanupSpec),
                new Entry("where", "Show where the interposer moved servers whose port was taken.",
                        PortCommands::whereSpec),
                new Entry("events", "Follow the daemon's events as they happen.", PortCommands::eventsSpec),
                new Entry("ui", "Open the live port map in the browser, logged in.", UiCommand::spec),
                new Entry("plugins", "Show the plugins the daemon loaded and what they provide.",
                        PluginsCommand::spec),
                new Entry("run", "Run a command with a leased port in PORT, released when it exits.",
                        RunCommand::spec),
                new Entry("config", "Show, validate or generate the configuration.", ConfigCommands::spec),
                new Entry("doctor", "Check the daemon, configuration, observers, interposer and files.",
                        DoctorCommand::spec),
                new Entry("shell-init", "Print the shell code that turns the port interposer on.",
                        ShellCommands::shellInitSpec),
                new Entry("preload-path", "Print the absolute path of the interposer library.",
                        ShellCommands::preloadPathSpec),
                new Entry("completion", "Print a shell completion script.", ShellCommands::completionSpec),
                new Entry("version", "Print the version.", ShellCommands::versionSpec));
    }

    private Cli() {
    }

    /** Runs one command line; returns the exit code. Never calls System.exit. */
    static int run(Ctx ctx, String... args) {
        try {
            return execute(ctx, args);
        } finally {
            ctx.out.flush();
            ctx.err.flush();
        }
    }

    private static int execute(Ctx ctx, String... args) {
        String first = args.length > 0 ? args[0] : null;
        List<Entry> entries = entries();
        Entry invoked = null;
        for (Entry e : entries) {
            if (e.name.equals(first)) {
                invoked = e;
                break;
            }
        }
        CommandSpec root = rootSpec();
        if (invoked != null) {
            root.addSubcommand(invoked.name, invoked.build.get());
        } else {
            for (Entry e : entries) {
                root.addSubcommand(e.name, stub(e));
            }
        }
        CommandLine cl = configure(new CommandLine(root), ctx);
        boolean json = false;
        ParseResult leaf = null;
        try {
            ParseResult pr = cl.parseArgs(args);
            leaf = pr;
            while (leaf.hasSubcommand()) {
                leaf = leaf.subcommand();
            }
            json = leaf.hasMatchedOption("--json");
            if (pr.isVersionHelpRequested()) {
                ctx.out.println(NAME + " " + Version.CLI);
                return ExitCodes.OK;
            }
            if (CommandLine.printHelpIfRequested(pr)) {
                return ExitCodes.OK;
            }
            Object action = leaf.commandSpec().userObject();
            if (!(action instanceof Action a)) {
                // a command group (styxy, styxy daemon, styxy config …) given without its subcommand
                if (leaf.commandSpec().parent() == null) {
                    leaf.commandSpec().commandLine().usage(ctx.out);
                    return ExitCodes.OK;
                }
                ctx.err.println(NAME + ": " + qualifiedName(leaf.commandSpec()) + " needs a subcommand.");
                leaf.commandSpec().commandLine().usage(ctx.err);
                return ExitCodes.USAGE;
            }
            return a.run(ctx, leaf);
        } catch (ParameterException e) {
            ctx.err.println(NAME + ": " + e.getMessage());
            if (e instanceof CommandLine.UnmatchedArgumentException u) {
                CommandLine.UnmatchedArgumentException.printSuggestions(u, ctx.err);
            }
            ctx.err.println("Try '" + qualifiedName(e.getCommandLine().getCommandSpec()) + " --help'.");
            return ExitCodes.USAGE;
        } catch (CliException e) {
            report(ctx, json, e);
            return e.exitCode();
        } catch (Exception e) {
            CliException wrapped = CliException.failed("internal error: " + e,
                    "Please report it with the command you ran.");
            report(ctx, json, wrapped);
            return ExitCodes.FAILED;
        }
    }

    /** Prints an error: the message and what to do next on stderr, plus one JSON error document with --json. */
    static void report(Ctx ctx, boolean json, CliException e) {
        ctx.err.println(ctx.red(NAME + ": " + e.getMessage()));
        if (e.hint() != null) {
            ctx.err.println(e.hint());
        }
        if (json) {
            Map<String, Object> error = Json.of("code", e.code(), "message", e.getMessage(), "hint", e.hint(),
                    "exit_code", e.exitCode());
            ctx.out.println(Json.pretty(Json.of("error", error)));
        }
    }

    static String qualifiedName(CommandSpec spec) {
        return spec.qualifiedName(" ");
    }

    private static CommandLine configure(CommandLine cl, Ctx ctx) {
        cl.setOut(ctx.out);
        cl.setErr(ctx.err);
        cl.setColorScheme(Help.defaultColorScheme(ctx.color ? Help.Ansi.ON : Help.Ansi.OFF));
        cl.setUsageHelpWidth(100);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    /** The whole tree, every command built (for completion scripts and documentation). */
    static CommandLine fullTree(Ctx ctx) {
        CommandSpec root = rootSpec();
        for (Entry e : entries()) {
            root.addSubcommand(e.name, e.build.get());
        }
        return configure(new CommandLine(root), ctx);
    }

    private static CommandSpec rootSpec() {
        CommandSpec root = CommandSpec.create().name(NAME);
        root.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help and exit.")
                .build());
        root.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print the version and exit.").build());
        root.usageMessage().optionListHeading("%nOptions:%n")
                .description("Styxy hands out the ports of this machine to the services that ask, knows who holds "
                        + "every port, and moves a server whose port is taken to a free one.")
                .commandListHeading("%nCommands:%n")
                .footerHeading("%n")
                .footer(
                        "Environment: STYXY_HOME (state directory, default ~/.styxy), STYXY_DAEMON_PORT (default "
                                + "9876), STYXY_SOCKET, NO_COLOR.",
                        "Exit codes: 0 ok, 1 failed, 2 usage, 3 daemon not running, 4 not found, 5 no free port, "
                                + "6 token refused.",
                        "Run 'styxy COMMAND --help' for the options of a command.");
        return root;
    }

    /** A command named in the help list but not built. */
    private static CommandSpec stub(Entry e) {
        CommandSpec spec = CommandSpec.create().name(e.name);
        spec.usageMessage().description(e.summary);
        return spec;
    }

    // ------------------------------------------------------------------------------------ spec-building helpers

    static CommandSpec command(String name, Action action, String summary, String... more) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(action).name(name);
        String[] description = new String[more.length + 1];
        description[0] = summary;
        System.arraycopy(more, 0, description, 1, more.length);
        spec.usageMessage().description(description).optionListHeading("%nOptions:%n")
                .parameterListHeading("%nArguments:%n").commandListHeading("%nCommands:%n");
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help and exit.")
                .build());
        return spec;
    }

    /** A group of subcommands (daemon, config, …). */
    static CommandSpec group(String name, String summary, CommandSpec... subcommands) {
        CommandSpec spec = CommandSpec.create().name(name);
        spec.usageMessage().description(summary).optionListHeading("%nOptions:%n")
                .commandListHeading("%nCommands:%n");
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help and exit.")
                .build());
        for (CommandSpec s : subcommands) {
            spec.addSubcommand(s.name(), s);
        }
        return spec;
    }

    static CommandSpec examples(CommandSpec spec, String... lines) {
        List<String> footer = new ArrayList<>();
        for (String l : lines) {
            footer.add("  " + l);
        }
        spec.usageMessage().footerHeading("%nExamples:%n").footer(footer.toArray(String[]::new));
        return spec;
    }

    static OptionSpec jsonOption() {
        return flag("Print one JSON document and nothing else.", "--json");
    }

    static OptionSpec flag(String description, String... names) {
        return OptionSpec.builder(names).type(boolean.class).arity("0").description(description).build();
    }

    static OptionSpec option(String label, Class<?> type, String description, String... names) {
        return OptionSpec.builder(names).type(type).paramLabel(label).description(description).build();
    }

    static PositionalParamSpec positional(String label, Class<?> type, String arity, String description) {
        return PositionalParamSpec.builder().type(type).paramLabel(label).arity(arity).description(description)
                .required(!arity.startsWith("0")).build();
    }

    static boolean flagSet(ParseResult pr, String name) {
        Boolean b = pr.matchedOptionValue(name, Boolean.FALSE);
        return b != null && b;
    }
}
