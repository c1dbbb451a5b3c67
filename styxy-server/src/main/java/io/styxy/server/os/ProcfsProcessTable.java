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

    /**
     * Parses {@code /proc/<pid>/stat} in place, without splitting (the sweeper reads it for every lease four times a
     * second). The name may contain spaces and parentheses, so fields are counted after the last ')'.
     */
    private static Stat readStat(Path dir) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(dir.resolve("stat"));
        } catch (IOException e) {
            return null;
        }
        int open = -1;
        int close = -1;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '(' && open < 0) {
                open = i;
            } else if (raw[i] == ')') {
                close = i; // the last one: a command name may contain ')'
            }
        }
        if (open < 0 || close < open || close + 2 >= raw.length) {
            return null;
        }
        // After ") " come field 3 (the state) and on; the start time is field 22, nineteen spaces further.
        int i = close + 2;
        boolean zombie = raw[i] == 'Z';
        for (int field = 3; field < 22; field++) {
            while (i < raw.length && raw[i] != ' ') {
                i++;
            }
            i++;
        }
        long startTime = 0;
        int digits = 0;
        for (; i < raw.length && raw[i] >= '0' && raw[i] <= '9'; i++, digits++) {
            startTime = startTime * 10 + (raw[i] - '0');
        }
        if (digits == 0 || digits > 18) {
            return null;
        }
        return new Stat(new String(raw, open + 1, close - open - 1, StandardCharsets.UTF_8), startTime, zombie);
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
