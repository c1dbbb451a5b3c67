package io.styxy.server.os;

import io.styxy.server.engine.Owner;
import io.styxy.server.engine.ProcessInfo;
import io.styxy.server.engine.ProcessTable;

import java.io.FileInputStream;
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

    /** Longest command line kept; what follows is cut (the name and the first arguments are what is shown). */
    static final int MAX_COMMAND_LINE = 4096;

    /**
     * One buffer per thread for the {@code /proc} files: {@code Files.readAllBytes} does not know their size (the
     * kernel says 0), so it grew an 8 KB buffer and copied it for every read — a fifth of the garbage of a conflict
     * answered on the Unix socket, whose platform threads keep theirs.
     */
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[MAX_COMMAND_LINE]);

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
        byte[] raw = BUFFER.get();
        int length = read(dir.resolve("stat"), raw);
        if (length < 0) {
            return null;
        }
        int open = -1;
        int close = -1;
        for (int i = 0; i < length; i++) {
            if (raw[i] == '(' && open < 0) {
                open = i;
            } else if (raw[i] == ')') {
                close = i; // the last one: a command name may contain ')'
            }
        }
        if (open < 0 || close < open || close + 2 >= length) {
            return null;
        }
        // After ") " come field 3 (the state) and on; the start time is field 22, nineteen spaces further.
        int i = close + 2;
        boolean zombie = raw[i] == 'Z';
        for (int field = 3; field < 22; field++) {
            while (i < length && raw[i] != ' ') {
                i++;
            }
            i++;
        }
        long startTime = 0;
        int digits = 0;
        for (; i < length && raw[i] >= '0' && raw[i] <= '9'; i++, digits++) {
            startTime = startTime * 10 + (raw[i] - '0');
        }
        if (digits == 0 || digits > 18) {
            return null;
        }
        return new Stat(new String(raw, open + 1, close - open - 1, StandardCharsets.UTF_8), startTime, zombie);
    }

    /** The arguments joined by spaces, at most {@value #MAX_COMMAND_LINE} bytes of them. */
    private static String commandLine(Path dir) {
        byte[] raw = BUFFER.get();
        int end = read(dir.resolve("cmdline"), raw);
        while (end > 0 && raw[end - 1] == 0) {
            end--;
        }
        if (end <= 0) {
            return "";
        }
        for (int i = 0; i < end; i++) {
            if (raw[i] == 0) {
                raw[i] = ' ';
            }
        }
        return new String(raw, 0, end, StandardCharsets.UTF_8);
    }

    /** Reads the start of a file into {@code into}: the number of bytes read, or -1 when it cannot be read. */
    private static int read(Path file, byte[] into) {
        try (FileInputStream in = new FileInputStream(file.toString())) {
            return Math.max(0, in.readNBytes(into, 0, into.length));
        } catch (IOException | SecurityException e) {
            return -1;
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
