/**
 * Service types for message brokers: {@code amqp} (RabbitMQ, ActiveMQ Artemis, Qpid) and {@code mqtt} (Mosquitto,
 * EMQX, HiveMQ). A Styxy plugin: drop the jar into {@code $STYXY_HOME/plugins/queues/} and restart the daemon.
 *
 * <p>Exports nothing: the types reach the daemon only through the service-type SPI.
 *
 * @provides io.styxy.api.spi.ServiceTypeProvider
 */
module com.example.styxy.queues {
    requires io.styxy.api;

    provides io.styxy.api.spi.ServiceTypeProvider with com.example.styxy.queues.QueueServiceTypes;
}
