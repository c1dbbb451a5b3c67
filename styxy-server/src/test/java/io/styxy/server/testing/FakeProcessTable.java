package io.styxy.server.testing;

import io.styxy.server.engine.ProcessInfo;
import io.styxy.server.engine.ProcessTable;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A process table the test controls: start, kill and recycle pids. */
public final class FakeProcessTable implements ProcessTable {

    private final Map<Long, ProcessInfo> processes = new ConcurrentHashMap<>();

    public ProcessInfo start(long pid, long startTime, String commandLine) {
        String name = commandLine.isEmpty() ? "proc" : commandLine.split(" ")[0];
        ProcessInfo info = new ProcessInfo(pid, startTime, name, commandLine, "/work/project");
        processes.put(pid, info);
        return info;
    }

    public ProcessInfo start(long pid) {
        return start(pid, 1000 + pid, "node server.js");
    }

    public void kill(long pid) {
        processes.remove(pid);
    }

    @Override
    public Optional<ProcessInfo> find(long pid) {
        return Optional.ofNullable(processes.get(pid));
    }
}
