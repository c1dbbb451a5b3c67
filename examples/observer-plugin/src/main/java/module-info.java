/**
 * A port observer for Linux that reports the listeners of {@code /proc/net} plus the ports declared taken in a
 * file: ports no socket table on this machine shows, such as a server on the Windows side of WSL 2, a port a VM or a
 * container runtime forwards only while it runs, or a port a team keeps for a service that listens now and then.
 *
 * <p>Chosen with {@code "observer": "declared"} in {@code config.json} (or {@code --observer declared}); its low
 * priority keeps the daemon's own observers first otherwise. Exports nothing: the observer reaches the daemon only
 * through the port-observer SPI.
 *
 * @provides io.styxy.api.spi.PortObserverProvider
 */
module com.example.styxy.declared {
    requires io.styxy.api;

    provides io.styxy.api.spi.PortObserverProvider with com.example.styxy.declared.DeclaredObserverProvider;
}
