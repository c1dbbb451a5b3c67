package io.styxy.observers.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What procfs tells about one process.
 *
 * @param pid         process id
 * @param startTime   start time in clock ticks since boot ({@code /proc/<pid>/stat} field 22): with the pid, the
 *                    process's identity (a reused pid has another start time)
 * @param name        short name ({@code comm})
 * @param commandLine arguments joined by spaces, or the bracketed name for kernel threads and zombies
 * @param cwd         working directory, or empty when not visible
 * @param uid         real uid, or -1 when unknown
 */
public record ProcessFacts(long pid, long startTime, String name, String commandLine, String cwd, long uid) {

    /** Reads {@code /proc/<pid>}; empty if the process is gone or not readable at all. */
    public static Optional<ProcessFacts> read(Path proc, long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        String stat = readStat(dir);
        if (stat == null) {
            return Optional.empty();
        }
        long start = startTimeFromStat(stat);
        String name = nameFromStat(stat);
        String commandLine = commandLine(dir);
        if (commandLine.isEmpty()) {
            commandLine = "[" + name + "]";
        }
        return Optional.of(new ProcessFacts(pid, start, name, commandLine, cwd(dir), uid(dir)));
    }

    /** The process's start time, or -1 if it is gone. Costs one small read. */
    public static long startTime(Path proc, long pid) {
        String stat = readStat(proc.resolve(Long.toString(pid)));
        return stat == null ? -1 : startTimeFromStat(stat);
    }

    private static String readStat(Path dir) {
        try {
            return new String(Files.readAllBytes(dir.resolve("stat")), StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /** {@code pid (comm) state ppid …}: comm may hold spaces and parentheses, so fields count from the last ')'. */
    static long startTimeFromStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return -1;
        }
        // After ") " come fields 3 (state) … ; starttime is field 22, i.e. the 20th after the parenthesis.
        int field = 3;
        int i = close + 2;
        while (i < stat.length() && field < 22) {
            if (stat.charAt(i) == ' ') {
                field++;
            }
            i++;
        }
        int end = stat.indexOf(' ', i);
        try {
            return Long.parseLong(stat.substring(i, end < 0 ? stat.length() : end).strip());
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            return -1;
        }
    }

    static String nameFromStat(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        return open >= 0 && close > open ? stat.substring(open + 1, close) : "";
    }

    private static String commandLine(Path dir) {
        try {
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0) {
                end--;
            }
            for (int i = 0; i < end; i++) {
                if (raw[i] == 0) {
                    raw[i] = ' ';
                }
            }
            return new String(raw, 0, end, StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    private static String cwd(Path dir) {
        try {
            return Files.readSymbolicLink(dir.resolve("cwd")).toString();
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return "";
        }
    }

    private static long uid(Path dir) {
        try {
            Object uid = Files.getAttribute(dir, "unix:uid");
            return uid instanceof Integer i ? i : -1;
        } catch (IOException | SecurityException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }
}
