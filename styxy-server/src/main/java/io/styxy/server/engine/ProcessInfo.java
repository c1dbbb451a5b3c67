package io.styxy.server.engine;

/**
 * What the process table tells about a running process.
 *
 * @param pid         process id
 * @param startTime   start time (see {@link Owner#startTime()})
 * @param name        short name
 * @param commandLine command line, arguments separated by spaces
 * @param cwd         working directory, or empty
 */
public record ProcessInfo(long pid, long startTime, String name, String commandLine, String cwd) {

    public Owner owner() {
        return new Owner(pid, startTime);
    }
}
