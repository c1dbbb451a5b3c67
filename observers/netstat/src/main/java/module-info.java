/**
 * Port observer that runs {@code netstat -l -n -p -t -u -e -W} (net-tools, Linux) with a timeout, never through a shell, and parses what it prints. Exports nothing.
 *
 * @provides io.styxy.api.spi.PortObserverProvider
 */
module io.styxy.observers.netstat {
    requires io.styxy.api;
    requires io.styxy.observers.support;

    provides io.styxy.api.spi.PortObserverProvider with io.styxy.observers.netstat.NetstatObserverProvider;
}
