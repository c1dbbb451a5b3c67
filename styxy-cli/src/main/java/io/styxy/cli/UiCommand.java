package io.styxy.cli;

import static io.styxy.cli.Cli.command;
import static io.styxy.cli.Cli.examples;
import static io.styxy.cli.Cli.flag;
import static io.styxy.cli.Cli.flagSet;
import static io.styxy.cli.Cli.jsonOption;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code styxy ui}: the live port map in the browser. Asks the daemon (with the token) for a one-time login link and
 * opens it with xdg-open, or prints it. The link holds a random code that works once, within a minute; the browser
 * trades it for a session cookie, so the token itself never reaches the browser, a URL or a page.
 */
final class UiCommand {

    static final String OPENER = "xdg-open";
    /** How long to wait for the opener: xdg-open hands the link over and exits; a browser run in its stead may not. */
    static final long OPENER_WAIT_MILLIS = 5000;

    private UiCommand() {
    }

    static CommandSpec spec() {
        CommandSpec spec = command("ui", UiCommand::ui, "Open the live port map in the browser, logged in.",
                "The page shows every service type's range, the leases (which it can release), foreign listeners "
                        + "and the servers the interposer moved, live. This command asks the daemon for a one-time "
                        + "login link (it works once, within 60 seconds) and opens it with xdg-open; without "
                        + "xdg-open it prints the link. The token never goes into the link.");
        spec.addOption(flag("Print the one-time login link, open nothing.", "--print-url"));
        spec.addOption(jsonOption());
        return examples(spec, "styxy ui", "styxy ui --print-url");
    }

    static int ui(Ctx ctx, ParseResult pr) {
        Map<String, Object> link = DaemonClient.forCtx(ctx).post("/v1/ui/login-links", Map.of());
        String url = Json.str(link.get("url"));
        if (url == null || url.isBlank()) {
            throw CliException.failed("The daemon answered without a login link.",
                    "Check the daemon's version with: styxy daemon status");
        }
        long expiresIn = Json.num(link.get("expires_in"), 60);
        boolean printOnly = flagSet(pr, "--print-url");
        boolean json = flagSet(pr, "--json");

        Path opener = printOnly ? null : findOpener(ctx);
        String failure = null;
        boolean opened = false;
        if (opener != null) {
            failure = open(ctx, opener, url);
            opened = failure == null;
        }
        if (json) {
            ctx.out.println(Json.pretty(Json.of("url", url, "expires_in", expiresIn, "opened", opened)));
            return ExitCodes.OK;
        }
        if (printOnly) {
            ctx.out.println(url);
            return ExitCodes.OK;
        }
        if (opened) {
            ctx.out.println("Opened the live port map in your browser.");
            return ExitCodes.OK;
        }
        ctx.out.println((opener == null ? "There is no " + OPENER + " here to start a browser"
                : failure) + "; open this link within " + expiresIn + " s (it works once):");
        ctx.out.println(url);
        return ExitCodes.OK;
    }

    /** xdg-open on the PATH, or null. */
    static Path findOpener(Ctx ctx) {
        String path = ctx.env("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = ctx.cwd.resolve(dir).resolve(OPENER);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs the opener on the link; null when it worked (or still runs), else why not. */
    static String open(Ctx ctx, Path opener, String url) {
        ProcessBuilder pb = new ProcessBuilder(opener.toString(), url)
                .directory(ctx.cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(ctx.env);
        try {
            Process p = pb.start();
            if (!p.waitFor(OPENER_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                return null; // a browser that stays in the foreground: it has the link
            }
            return p.exitValue() == 0 ? null : OPENER + " could not open a browser (exit " + p.exitValue() + ")";
        } catch (IOException e) {
            return OPENER + " could not be started (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OPENER + " was interrupted";
        }
    }
}
