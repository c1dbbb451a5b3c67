package com.example.styxy.queues;

import io.styxy.api.ServiceType;
import io.styxy.api.spi.ServiceTypeProvider;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class QueueServiceTypesTest {

    private final ServiceTypeProvider provider = new QueueServiceTypes();

    @Test
    void definesAmqpAndMqttAroundTheirRegisteredPorts() {
        assertThat(provider.name()).isEqualTo("queues");
        List<ServiceType> types = provider.serviceTypes();
        assertThat(types).extracting(ServiceType::name).containsExactly("amqp", "mqtt");
        assertThat(types.get(0).preferredPorts().getFirst()).isEqualTo(5672);
        assertThat(types.get(1).preferredPorts().getFirst()).isEqualTo(1883);
    }

    @Test
    void itsTypesAreWhatTheDaemonAccepts() {
        List<ServiceType> types = provider.serviceTypes();
        for (ServiceType t : types) {
            assertThat(t.range().start()).as(t.name() + ": no root-only ports").isGreaterThanOrEqualTo(1024);
            assertThat(t.preferredPorts()).allMatch(p -> t.range().contains(p));
            assertThat(t.isSingleton()).isFalse();
        }
        assertThat(types.get(0).range().overlaps(types.get(1).range())).isFalse();
    }

    @Test
    void isFoundByTheServiceLoaderAsModuleAndAsPlainJar() throws Exception {
        Module module = QueueServiceTypes.class.getModule();
        if (module.isNamed()) {
            ModuleDescriptor d = module.getDescriptor();
            assertThat(d.exports()).as("exports nothing").isEmpty();
            assertThat(d.provides()).singleElement().satisfies(p -> {
                assertThat(p.service()).isEqualTo(ServiceTypeProvider.class.getName());
                assertThat(p.providers()).containsExactly(QueueServiceTypes.class.getName());
            });
        }
        try (InputStream in = QueueServiceTypes.class.getResourceAsStream(
                "/META-INF/services/" + ServiceTypeProvider.class.getName())) {
            assertThat(in).as("META-INF/services file").isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip())
                    .isEqualTo(QueueServiceTypes.class.getName());
        }
    }
}
