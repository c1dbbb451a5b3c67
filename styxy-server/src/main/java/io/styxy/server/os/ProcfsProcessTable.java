package io.styxy.server.os;

import io.styxy.server.engine.Owner;
import io.styxy.server.engine.ProcessInfo;
import io.styxy.server.engine.ProcessTable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Linux process table, read from {@code /proc}. The start time (field 22 of {@code /proc/<pid>/stat}, clock
 * ticks after boot) is what makes an owner PID-reuse safe: a recycled pid has a later start time.
 */
public final class ProcfsProcessTable implements ProcessTable {

    private final Path proc;

    public ProcfsProcessTable() {
        this(Path.of("/proc"));
    }

    ProcfsProcessTable(Path proc) {
        this.proc = proc;
    }

    @Override
    public Optional<ProcessInfo> find(long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        Path dir = proc.resolve(Long.toString(pid));
        Stat stat = readStat(dir);
        if (stat == null) {
            return Optional.empty();
        }
        return Optional.of(new ProcessInfo(pid, stat.startTime(), stat.name(), commandLine(dir), cwd(dir)));
    }

    @Override
    public boolean isAlive(Owner owner) {
        Stat stat = readStat(proc.resolve(Long.toString(owner.pid())));
        return stat != null && stat.startTime() == owner.startTime() && !stat.zombie();
    }

    private record Stat(String name, long startTime, boolean zombie) {
    }

    /** Parses {@code /proc/<pid>/stat}; the name may contain spaces and parentheses, so split after the last ')'. */
    private static Stat readStat(Path dir) {
        String text;
        try {
            text = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        int open = text.indexOf('(');
        int close = text.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        String[] rest = text.substring(close + 2).split(" ");
        // rest[0] is field 3 (state); the start time is field 22.
        if (rest.length < 20) {
            return null;
        }
        try {
            return new Stat(text.substring(open + 1, close), Long.parseLong(rest[19]), rest[0].equals("Z"));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String commandLine(Path dir) {
        try {
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0) {
                end--;
            }
            return new String(raw, 0, end, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static String cwd(Path dir) {
        try {
            return Files.readSymbolicLink(dir.resolve("cwd")).toString();
        } catch (IOException | SecurityException e) {
            return "";
        }
    }
}
