package io.styxy.server.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The daemon process puts its JIT compiler threads in SCHED_IDLE unless STYXY_DAEMON_JIT=normal. */
class BackgroundJitIT {

    private static final int SCHED_OTHER = 0;
    private static final int SCHED_IDLE = 5;

    @TempDir
    Path tmp;

    @Test
    void theCompilerThreadsOfTheDaemonRunInTheIdleClass() throws Exception {
        try (RunningDaemon daemon = RunningDaemon.start(tmp.resolve("home"))) {
            Map<String, Integer> policies = compilerThreadPolicies(daemon.process().pid());
            assertThat(policies).isNotEmpty();
            assertThat(policies).allSatisfy((thread, policy) -> assertThat(policy).as(thread).isEqualTo(SCHED_IDLE));
            // Only the compiler threads: the threads that answer keep the normal class.
            assertThat(policy(daemon.process().pid(), daemon.process().pid())).isEqualTo(SCHED_OTHER);
        }
    }

    @Test
    void normalKeepsTheJitInTheNormalClass() throws Exception {
        try (RunningDaemon daemon = RunningDaemon.start(tmp.resolve("home"), Map.of("STYXY_DAEMON_JIT", "normal"))) {
            Map<String, Integer> policies = compilerThreadPolicies(daemon.process().pid());
            assertThat(policies).isNotEmpty();
            assertThat(policies).allSatisfy((thread, policy) -> assertThat(policy).as(thread).isEqualTo(SCHED_OTHER));
        }
    }

    @Test
    void anUnknownSettingIsRefusedBeforeAnythingStarts() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home);
        Path out = tmp.resolve("daemon.out");
        Process daemon = RunningDaemon.launch(home, out, Map.of("STYXY_DAEMON_JIT", "fast"));
        try {
            assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(daemon.exitValue()).isEqualTo(2);
            assertThat(Files.readString(out)).contains("STYXY_DAEMON_JIT must be \"background\" (the default) or"
                    + " \"normal\", got \"fast\"");
            assertThat(home.resolve("daemon.json")).doesNotExist();
        } finally {
            daemon.destroyForcibly();
        }
    }

    /** Thread id and name → scheduling policy, for every compiler thread of {@code pid}. */
    private static Map<String, Integer> compilerThreadPolicies(long pid) throws IOException {
        Map<String, Integer> policies = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                String name = Files.readString(task.resolve("comm")).strip();
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    long tid = Long.parseLong(task.getFileName().toString());
                    policies.put(tid + " " + name, policy(pid, tid));
                }
            }
        }
        return policies;
    }

    /** Field 41 of /proc/PID/task/TID/stat; the name before it is in parentheses and may hold spaces. */
    private static int policy(long pid, long tid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "stat"));
        List<String> fields = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
        return Integer.parseInt(fields.get(41 - 3));
    }
}
