package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code styxy plugins list}: the daemon's plugin report as tables, or as the report itself with --json. */
class PluginsCommandTest {
    static final String TOKEN = "ab".repeat(32);
    static final String REPORT = """
            {"spi_version":1,"directories":["/h/plugins"],
             "plugins":[{"name":"queues","status":"loaded","version":"1.2","service_types":["amqp","mqtt"],
                         "observers":[],"reason":null},
                        {"name":"broken","status":"failed","version":null,"service_types":[],"observers":[],
                         "reason":"its provider threw IllegalStateException: boom"}],
             "service_types":[{"name":"dev","source":"builtin","version":"0.1.0","port_range":[3000,3099],
                               "active":true,"overridden_by":null},
                              {"name":"amqp","source":"plugin:queues","version":"1.2","port_range":[5670,5689],
                               "active":true,"overridden_by":null}],
             "observers":[{"name":"procfs","source":"builtin","version":"0.1.0","priority":100,"usable":true}],
             "conflicts":[],"warnings":[],
             "errors":[{"plugin":"broken","directory":"/h/plugins/broken",
                        "reason":"its provider threw IllegalStateException: boom"}],
             "checks":[]}""";

    @TempDir
    Path tmp;
    FakeDaemon daemon;
    CliHarness cli;

    @BeforeEach
    void setUp() throws IOException {
        daemon = new FakeDaemon().on("GET", "/v1/plugins", 200, REPORT);
        cli = new CliHarness(tmp).port(daemon.port()).token(TOKEN);
    }

    @AfterEach
    void tearDown() {
        daemon.close();
    }

    @Test
    void listsPluginsTypesAndObserversAndFailsWhenAPluginWasSkipped() {
        var r = cli.run("plugins", "list");
        assertThat(r.out()).contains("queues", "loaded", "amqp,mqtt")
                .contains("amqp", "plugin:queues", "5670-5689")
                .contains("procfs", "builtin");
        assertThat(r.err()).contains("skipped plugin broken: its provider threw IllegalStateException: boom");
        assertThat(r.code()).isEqualTo(1);
        assertThat(daemon.last().header("Authorization")).isEqualTo("Bearer " + TOKEN);
    }

    @Test
    void jsonPrintsTheReportAsOneDocument() {
        var r = cli.run("plugins", "list", "--json");
        Object doc = Json.parse(r.out());
        assertThat(Json.obj(doc).get("spi_version")).isNotNull();
        assertThat(Json.list(Json.obj(doc).get("plugins"))).hasSize(2);
        assertThat(r.code()).isZero();
    }
}
