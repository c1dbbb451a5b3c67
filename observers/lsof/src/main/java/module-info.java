/**
 * Port observer that runs {@code lsof -nP -w -iTCP -iUDP -F…0} with a timeout, never through a shell, and parses its field output. Exports nothing.
 *
 * @provides io.styxy.api.spi.PortObserverProvider
 */
module io.styxy.observers.lsof {
    requires io.styxy.api;
    requires io.styxy.observers.support;

    provides io.styxy.api.spi.PortObserverProvider with io.styxy.observers.lsof.LsofObserverProvider;
}
