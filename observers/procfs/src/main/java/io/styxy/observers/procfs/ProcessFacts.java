package io.styxy.observers.procfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** What procfs tells about one process: pid, short name, command line and working directory. */
record ProcessFacts(long pid, String name, String commandLine, String cwd) {

    static ProcessFacts read(Path pidDir) {
        long pid = Long.parseLong(pidDir.getFileName().toString());
        return new ProcessFacts(pid, readTrimmed(pidDir.resolve("comm")), commandLine(pidDir), cwd(pidDir));
    }

    private static String commandLine(Path pidDir) {
        try {
            byte[] raw = Files.readAllBytes(pidDir.resolve("cmdline"));
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0) {
                end--;
            }
            return new String(raw, 0, end, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static String cwd(Path pidDir) {
        try {
            return Files.readSymbolicLink(pidDir.resolve("cwd")).toString();
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    private static String readTrimmed(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return "";
        }
    }
}
