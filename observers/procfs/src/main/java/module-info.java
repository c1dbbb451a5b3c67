/**
 * Linux port observer that reads {@code /proc/net/{tcp,tcp6,udp,udp6}} and maps socket inodes to processes through
 * {@code /proc/<pid>/fd}. Never forks. Exports nothing.
 *
 * @provides io.styxy.api.spi.PortObserverProvider
 */
module io.styxy.observers.procfs {
    requires io.styxy.api;
    requires io.styxy.observers.support;

    provides io.styxy.api.spi.PortObserverProvider with io.styxy.observers.procfs.ProcfsObserverProvider;
}
