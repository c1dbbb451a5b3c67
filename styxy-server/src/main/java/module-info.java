/**
 * The Styxy daemon. The engine ({@code io.styxy.server.engine}) is pure domain; everything else is an adapter
 * around it: HTTP (Helidon SE), the Unix socket, the SQLite store, the OS (processes, bind probes, observers),
 * configuration and plugins. {@code io.styxy.server.daemon} wires them together.
 *
 * @uses io.styxy.api.spi.ServiceTypeProvider
 * @uses io.styxy.api.spi.PortObserverProvider
 */
module io.styxy.server {
    requires io.styxy.api;
    requires io.helidon.webserver;
    requires io.helidon.webserver.sse;
    requires io.helidon.webserver.observe;
    requires io.helidon.webserver.observe.health;
    requires io.helidon.webserver.observe.metrics;
    requires io.helidon.health;
    requires io.helidon.metrics.api;
    requires com.fasterxml.jackson.core;
    requires java.sql;
    requires org.xerial.sqlitejdbc;

    uses io.styxy.api.spi.ServiceTypeProvider;
    uses io.styxy.api.spi.PortObserverProvider;
}
