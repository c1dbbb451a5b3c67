/**
 * A port observer that reports the listeners declared in a file: ports that are taken although no socket table on
 * this machine shows it, such as a server on the Windows side of WSL 2, a port a VM or a container runtime forwards
 * only while it runs, or a port a team keeps for a service that listens now and then.
 *
 * <p>Configured in {@code config.json} under {@code observers.listeners-file.file}. Exports nothing: the observer
 * reaches the daemon only through the port-observer SPI.
 *
 * @provides io.styxy.api.spi.PortObserverProvider
 */
module com.example.styxy.listenersfile {
    requires io.styxy.api;

    provides io.styxy.api.spi.PortObserverProvider
            with com.example.styxy.listenersfile.ListenersFileObserverProvider;
}
