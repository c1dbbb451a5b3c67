package io.styxy.servicetypes.builtin;

import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class BuiltinServiceTypesTest {

    private final Map<String, ServiceType> types = new BuiltinServiceTypes().serviceTypes().stream()
            .collect(Collectors.toMap(ServiceType::name, Function.identity()));

    @Test
    void definesTheSeventeenTypesUsersRelyOn() {
        assertThat(types).containsOnlyKeys("dev", "api", "database", "auth", "functions", "ui", "hub", "storybook",
                "test", "proxy", "docs", "monitoring", "build", "infrastructure", "ai", "messaging", "coordination");
    }

    @Test
    void keepsTheOriginalRangesAndPreferredPorts() {
        assertThat(types.get("dev").range()).isEqualTo(PortRange.of(3000, 3099));
        assertThat(types.get("dev").preferredPorts()).containsExactly(3000, 3001, 3002, 3003);
        assertThat(types.get("database").range()).isEqualTo(PortRange.of(5430, 5499));
        assertThat(types.get("functions").preferredPorts()).containsExactly(5001, 5002, 5003, 5004);
        assertThat(types.get("storybook").range()).isEqualTo(PortRange.of(6006, 6029));
        assertThat(types.get("messaging").range()).isEqualTo(PortRange.of(9050, 9098));
        assertThat(types.get("coordination").range()).isEqualTo(PortRange.of(9870, 9899));
        assertThat(types.get("ai").preferredPorts()).containsExactly(11430, 11431, 11432, 11433);
    }

    @Test
    void onlyAiIsASingleton() {
        assertThat(types.values().stream().filter(ServiceType::isSingleton).map(ServiceType::name))
                .containsExactly("ai");
    }

    @Test
    void rangesDoNotOverlap() {
        List<ServiceType> list = List.copyOf(types.values());
        for (int i = 0; i < list.size(); i++) {
            for (int j = i + 1; j < list.size(); j++) {
                assertThat(list.get(i).range().overlaps(list.get(j).range()))
                        .as("%s overlaps %s", list.get(i).name(), list.get(j).name()).isFalse();
            }
        }
    }

    @Test
    void isRegisteredForClassPathUseToo() throws IOException {
        try (InputStream in = BuiltinServiceTypes.class
                .getResourceAsStream("/META-INF/services/io.styxy.api.spi.ServiceTypeProvider")) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim())
                    .isEqualTo(BuiltinServiceTypes.class.getName());
        }
    }
}
