package io.styxy.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code bin/styxy} run as a user runs it: a child process with its own STYXY_HOME, no preload, no build. */
final class LauncherProcess {

    static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    static final Path LAUNCHER = ROOT.resolve("bin/styxy");

    record Run(int code, String out, String err) {
        Map<String, Object> json() {
            return Json.parseObject(out);
        }
    }

    private LauncherProcess() {
    }

    /**
     * @param workDir working directory, and where the output files go
     * @param port    {@code STYXY_DAEMON_PORT}, or {@code null} to leave it unset (the client then finds the daemon
     *                through {@code daemon.json})
     */
    static Run run(Path workDir, Path home, Integer port, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(LAUNCHER.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.directory(workDir.toFile());
        pb.environment().put("STYXY_HOME", home.toString());
        pb.environment().remove("STYXY_DAEMON_PORT");
        if (port != null) {
            pb.environment().put("STYXY_DAEMON_PORT", port.toString());
        }
        pb.environment().put("STYXY_SKIP_BUILD", "1");
        pb.environment().remove("LD_PRELOAD");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("styxy " + String.join(" ", args) + " did not finish within 60 s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
