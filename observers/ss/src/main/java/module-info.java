/**
 * Port observer that runs {@code ss -H -l -n -p -e -t -u} (iproute2, Linux) with a timeout, never through a shell, and parses what it prints. Exports nothing.
 *
 * @provides io.styxy.api.spi.PortObserverProvider
 */
module io.styxy.observers.ss {
    requires io.styxy.api;
    requires io.styxy.observers.support;

    provides io.styxy.api.spi.PortObserverProvider with io.styxy.observers.ss.SsObserverProvider;
}
