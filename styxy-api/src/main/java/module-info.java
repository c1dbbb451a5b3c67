/**
 * Styxy's public API: the records that describe service types and listeners, and the two service-provider
 * interfaces through which service types and port observers plug into the daemon.
 *
 * <p>This module depends on {@code java.base} only, so a plugin that implements the SPI pulls in nothing else.
 *
 * @uses io.styxy.api.spi.ServiceTypeProvider
 * @uses io.styxy.api.spi.PortObserverProvider
 */
module io.styxy.api {
    exports io.styxy.api;
    exports io.styxy.api.spi;
}
