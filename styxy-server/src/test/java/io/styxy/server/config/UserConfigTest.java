package io.styxy.server.config;

import io.styxy.api.InstanceBehavior;
import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;
import io.styxy.server.engine.AutoRangePolicy;
import io.styxy.server.engine.CatalogEntry;
import io.styxy.server.json.JsonValues;
import io.styxy.server.plugins.ServiceTypeSources;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UserConfigTest {

    private static final Path FILE = Path.of("/home/me/.styxy/config.json");

    private static ServiceType type(List<CatalogEntry> catalog, String name) {
        return catalog.stream().filter(e -> e.type().name().equals(name)).findFirst().orElseThrow().type();
    }

    @Test
    void mergesPerFieldOverTheBuiltins() throws Exception {
        UserConfig config = UserConfig.parse(FILE, """
                {"service_types": {
                   "dev": {"port_range": [3000, 3199]},
                   "storybook": {"instance_behavior": "single"},
                   "grafana": {"port_range": "12000-12019", "description": "dashboards"}},
                 "durability": "full", "observer": "ss"}""");
        List<CatalogEntry> catalog = config.mergeOver(ServiceTypeSources.builtins());
        ServiceType dev = type(catalog, "dev");
        assertThat(dev.range()).isEqualTo(PortRange.of(3000, 3199));
        assertThat(dev.preferredPorts()).containsExactly(3000, 3001, 3002, 3003);
        assertThat(dev.description()).isEqualTo("Frontend development servers");
        assertThat(type(catalog, "storybook").instanceBehavior()).isEqualTo(InstanceBehavior.SINGLE);
        assertThat(type(catalog, "storybook").range()).isEqualTo(PortRange.of(6006, 6029));
        assertThat(type(catalog, "grafana").preferredPorts()).containsExactly(12000, 12001, 12002, 12003);
        assertThat(catalog.stream().filter(e -> e.type().name().equals("grafana")).findFirst().orElseThrow()
                .source()).isEqualTo("user");
        assertThat(config.durability()).isEqualTo("full");
        assertThat(config.observer()).isEqualTo("ss");
    }

    @Test
    void errorsNameTheFileTheKeyAndTheFix() {
        assertThatThrownBy(() -> UserConfig.parse(FILE, "{\"service_types\": {\"dev\": {\"range\": [1, 2]}}}"))
                .hasMessage(FILE + ": service_types.dev.range: the key is \"port_range\"; rename \"range\" to"
                        + " \"port_range\"");
        assertThatThrownBy(() -> UserConfig.parse(FILE, "{\"service_types\": {\"dev\": {\"port_range\": [4000,"
                + " 3000]}}}")).hasMessageContaining("service_types.dev.port_range: expected 1024 <= start <= end");
        assertThatThrownBy(() -> UserConfig.parse(FILE, "{\"auto_allocation\": {\"placement\": \"middle\"}}"))
                .hasMessageContaining("auto_allocation.placement: expected \"after\", \"before\" or \"smart\"");
        assertThatThrownBy(() -> UserConfig.parse(FILE, "{\"service_types\": {")).hasMessageContaining(
                "is not valid JSON (line 1");
        assertThatThrownBy(() -> UserConfig.parse(FILE, "{\"durability\": \"paranoid\"}"))
                .hasMessageContaining("durability: expected \"normal\" or \"full\", got \"paranoid\"");
        assertThatThrownBy(() -> UserConfig.parse(FILE, "{\"service_types\": {\"new\": {}}}")
                .mergeOver(List.of())).hasMessageContaining("service_types.new.port_range is required");
        assertThatThrownBy(() -> UserConfig.parse(FILE, "{\"service_types\": {\"dev\": {\"preferred_ports\":"
                + " [9999]}}}").mergeOver(ServiceTypeSources.builtins()))
                .hasMessageContaining("service_types.dev: preferred port 9999");
    }

    @Test
    void observerOptionsAreKeyedByObserverName() throws Exception {
        UserConfig config = UserConfig.parse(FILE, """
                {"observers": {"declared": {"file": "/srv/ports", "strict": true}, "ss": {"timeout_ms": 500}}}""");
        assertThat(config.observerOptions()).containsEntry("declared.file", "/srv/ports")
                .containsEntry("declared.strict", "true").containsEntry("ss.timeout_ms", "500");
        assertThatThrownBy(() -> UserConfig.parse(FILE, "{\"observers\": {\"ss\": {\"x\": [1]}}}"))
                .hasMessageContaining("observers.ss.x: expected a string, number or boolean");
    }

    @Test
    void autoAllocationSettingsAndRules() throws Exception {
        UserConfig config = UserConfig.parse(FILE, """
                {"auto_allocation": {"enabled": false, "default_chunk_size": 25, "placement": "smart",
                                     "min_port": 20000, "max_port": 30000, "gap_size": 5},
                 "auto_allocation_rules": {"db-*": {"chunk_size": 4}}}""");
        AutoRangePolicy p = config.autoRanges();
        assertThat(p.enabled()).isFalse();
        assertThat(p.placement()).isEqualTo(AutoRangePolicy.Placement.SMART);
        assertThat(p.chunkSizeFor("db-orders")).isEqualTo(4);
        assertThat(p.chunkSizeFor("other")).isEqualTo(25);
        assertThat(p.gapSize()).isEqualTo(5);
    }

    @Test
    void warnsAboutOverlapsAndTheEphemeralRange() throws Exception {
        List<CatalogEntry> catalog = UserConfig.parse(FILE, """
                {"service_types": {"mine": {"port_range": [3050, 3060]}, "high": {"port_range": [40000, 40010]}}}""")
                .mergeOver(ServiceTypeSources.builtins());
        List<String> warnings = UserConfig.warnings(catalog, PortRange.of(32768, 60999));
        assertThat(warnings).anyMatch(w -> w.contains("\"dev\"") && w.contains("\"mine\"") && w.contains("overlap"));
        assertThat(warnings).anyMatch(w -> w.contains("\"high\"") && w.contains("ephemeral range 32768-60999"));
    }

    @Test
    void anAutoAllocatedTypeIsWrittenInTheKeysTheReaderAccepts() throws Exception {
        ServiceType grafana = new ServiceType("grafana", "Auto", PortRange.of(11510, 11519), List.of(11510), null,
                null);
        var tree = UserConfig.withServiceType(null, grafana, "2026-11-25T10:00:00Z");
        UserConfig reread = UserConfig.parse(FILE, JsonValues.prettyText(tree));
        List<CatalogEntry> catalog = reread.mergeOver(List.of());
        assertThat(catalog.getFirst().type().range()).isEqualTo(PortRange.of(11510, 11519));
        assertThat(catalog.getFirst().source()).isEqualTo("auto");
    }
}
