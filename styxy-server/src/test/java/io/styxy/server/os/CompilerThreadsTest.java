package io.styxy.server.os;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Finding the JIT's threads; moving them is tested on the daemon process (BackgroundJitIT), not on this JVM. */
class CompilerThreadsTest {

    @Test
    void findsTheCompilerThreadsOfThisJvmAndNoOtherThread() throws Exception {
        var threads = CompilerThreads.compilerThreads();
        assertThat(threads).isNotEmpty();
        for (int tid : threads) {
            assertThat(Files.readString(Path.of("/proc/self/task/" + tid + "/comm")).strip())
                    .matches("C[12] CompilerThre");
        }
        long all;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            all = tasks.count();
        }
        assertThat(threads.size()).isLessThan((int) all);
    }

    @Test
    void namesAsTheKernelKeepsThem() {
        assertThat(CompilerThreads.isCompilerThreadName("C2 CompilerThre")).isTrue();
        assertThat(CompilerThreads.isCompilerThreadName("C1 CompilerThre")).isTrue();
        assertThat(CompilerThreads.isCompilerThreadName("VM Thread")).isFalse();
        assertThat(CompilerThreads.isCompilerThreadName("styxy-sweeper")).isFalse();
        assertThat(CompilerThreads.isCompilerThreadName("C2 Compiler")).isFalse();
    }
}
