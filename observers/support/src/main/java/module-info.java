/**
 * Code the built-in port observers share: who owns a socket inode (procfs), user names from {@code /etc/passwd},
 * canonical address text, and running an external tool with a timeout and without a shell.
 *
 * <p>Not an observer and not an API: its one package is exported only to the built-in observer modules.
 */
module io.styxy.observers.support {
    requires transitive io.styxy.api;

    exports io.styxy.observers.support to
            io.styxy.observers.procfs,
            io.styxy.observers.netlink,
            io.styxy.observers.ss,
            io.styxy.observers.lsof,
            io.styxy.observers.netstat;
}
