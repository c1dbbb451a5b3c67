package com.example.styxy.queues;

import io.styxy.api.InstanceBehavior;
import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;
import io.styxy.api.spi.ServiceTypeProvider;

import java.util.List;

/**
 * Two service types for message brokers, each around its protocol's registered port so that a broker started
 * through Styxy lands on the usual port when it is free and next to it when it is not.
 */
public final class QueueServiceTypes implements ServiceTypeProvider {

    /** Required by {@link java.util.ServiceLoader}; does nothing (the daemon asks for the types later). */
    public QueueServiceTypes() {
    }

    @Override
    public String name() {
        return "queues";
    }

    @Override
    public List<ServiceType> serviceTypes() {
        return List.of(
                new ServiceType("amqp", "AMQP message brokers", PortRange.of(5670, 5689),
                        List.of(5672, 5673, 5674, 5675), InstanceBehavior.MULTI,
                        List.of("RabbitMQ", "ActiveMQ Artemis", "Apache Qpid")),
                new ServiceType("mqtt", "MQTT brokers", PortRange.of(1883, 1899),
                        List.of(1883, 1884, 1885, 1886), InstanceBehavior.MULTI,
                        List.of("Eclipse Mosquitto", "EMQX", "HiveMQ")));
    }
}
