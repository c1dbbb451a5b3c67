package io.styxy.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordsTest {

    @Test
    void portRangeIsInclusiveAndValidated() {
        PortRange range = PortRange.of(3000, 3099);
        assertThat(range.size()).isEqualTo(100);
        assertThat(range.contains(3000)).isTrue();
        assertThat(range.contains(3099)).isTrue();
        assertThat(range.contains(3100)).isFalse();
        assertThat(range.overlaps(PortRange.of(3099, 3200))).isTrue();
        assertThat(range.overlaps(PortRange.of(3100, 3200))).isFalse();
        assertThatThrownBy(() -> PortRange.of(0, 10)).hasMessageContaining("1 <= start");
        assertThatThrownBy(() -> PortRange.of(10, 9)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PortRange.of(1, 65_536)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void serviceTypeRejectsBadNamesAndPreferredPortsOutsideItsRange() {
        assertThatThrownBy(() -> new ServiceType("bad name!", "", PortRange.of(3000, 3010), List.of(), null, null))
                .hasMessageContaining("letters, digits and dashes");
        assertThatThrownBy(() -> new ServiceType("dev", "", PortRange.of(3000, 3010), List.of(4000), null, null))
                .hasMessageContaining("outside its range");
        ServiceType ok = new ServiceType("dev", null, PortRange.of(3000, 3010), List.of(3000), null, null);
        assertThat(ok.instanceBehavior()).isEqualTo(InstanceBehavior.MULTI);
        assertThat(ok.description()).isEmpty();
    }

    @Test
    void instanceBehaviorUsesTheConfigSpelling() {
        assertThat(InstanceBehavior.fromConfigName("single")).isEqualTo(InstanceBehavior.SINGLE);
        assertThat(InstanceBehavior.SINGLE.configName()).isEqualTo("single");
        assertThatThrownBy(() -> InstanceBehavior.fromConfigName("many")).hasMessageContaining("\"single\" or \"multi\"");
    }
}
