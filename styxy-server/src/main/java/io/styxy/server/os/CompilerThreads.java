package io.styxy.server.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves the JIT's compiler threads into Linux's {@code SCHED_IDLE} class, so that compiling never delays an answer.
 *
 * <p>Why: a C2 compilation takes 3–14 ms of CPU. On a small machine the scheduler queued the thread that answers a
 * conflicting {@code bind()} behind it for 2–3 ms (seen with {@code perf sched timehist}), which was the whole tail
 * of the conflict path. A {@code SCHED_IDLE} thread gives way at once to any other thread, and a CPU that runs only
 * such threads counts as idle when the scheduler places a waking thread. The cost: the JIT only gets CPU that nothing
 * else wants, so under load that fills every CPU it warms up more slowly (docs/performance.md has the figures), and
 * it no longer competes with the user's own builds either.
 *
 * <p>Threads the JVM starts later for compiling are started by a compiler thread and inherit the class. A thread can
 * leave {@code SCHED_IDLE} only with {@code CAP_SYS_NICE}, so this is done once, at start, and never undone.
 */
public final class CompilerThreads {

    private static final int SCHED_IDLE = 5;
    private static final int ESRCH = 3;
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final VarHandle ERRNO = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private CompilerThreads() {
    }

    /**
     * Moves every compiler thread of this JVM to {@code SCHED_IDLE}.
     *
     * @return how many compiler threads there were (0 with an interpreter-only JVM)
     * @throws IOException when a thread cannot be listed or moved; threads moved before stay moved
     */
    @SuppressWarnings("restricted")
    public static int moveToIdleClass() throws IOException {
        List<Integer> threads = compilerThreads();
        Linker linker = Linker.nativeLinker();
        MethodHandle setScheduler = linker.downcallHandle(
                linker.defaultLookup().findOrThrow("sched_setscheduler"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS),
                Linker.Option.captureCallState("errno"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment priorityZero = arena.allocateFrom(ValueLayout.JAVA_INT, 0);
            for (int tid : threads) {
                int result = (int) setScheduler.invokeExact(state, tid, SCHED_IDLE, priorityZero);
                int errno = result == 0 ? 0 : (int) ERRNO.get(state, 0L);
                if (errno != 0 && errno != ESRCH) { // ESRCH: the thread ended since it was listed
                    throw new IOException("sched_setscheduler(" + tid + ", SCHED_IDLE) failed with errno " + errno);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("sched_setscheduler could not be called: " + e, e);
        }
        return threads.size();
    }

    /** The ids of this JVM's compiler threads: those the JVM names "C1 CompilerThread…" or "C2 CompilerThread…". */
    public static List<Integer> compilerThreads() throws IOException {
        List<Integer> found = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String name;
                try {
                    name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    continue; // the thread ended while we looked
                }
                if (isCompilerThreadName(name)) {
                    found.add(Integer.parseInt(task.getFileName().toString()));
                }
            }
        }
        return found;
    }

    /** The kernel keeps 15 bytes of a thread's name: "C2 CompilerThread0" reads "C2 CompilerThre". */
    static boolean isCompilerThreadName(String name) {
        return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
    }
}
