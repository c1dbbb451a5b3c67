package io.styxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigAndDoctorTest {
    static final String TOKEN = "cd".repeat(32);

    @TempDir
    Path tmp;
    FakeDaemon daemon;
    CliHarness cli;

    @BeforeEach
    void setUp() throws IOException {
        daemon = new FakeDaemon();
        cli = new CliHarness(tmp).port(daemon.port()).token(TOKEN);
        Files.setPosixFilePermissions(cli.home, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(cli.home.resolve("auth.token"), PosixFilePermissions.fromString("rw-------"));
    }

    @AfterEach
    void tearDown() {
        daemon.close();
    }

    @Test
    void showGoesThroughTheDaemonWithTheToken() {
        daemon.on("GET", "/v1/config", 200, "{\"service_types\":{\"dev\":{\"port_range\":[3000,3099]}}}");
        var r = cli.run("config", "show");
        assertThat(r.code()).isZero();
        assertThat(Json.parseObject(r.out())).containsKey("service_types");
        assertThat(daemon.last().header("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(cli.run("config", "show", "--json").json()).containsKey("service_types");
    }

    @Test
    void generateWritesAValidConfigAndKeepsAnExistingOne() throws IOException {
        var r = cli.run("config", "generate");
        assertThat(r.code()).isZero();
        Path file = cli.home.resolve("config.json");
        Map<String, Object> doc = Json.parseObject(Files.readString(file));
        Map<String, Object> type = Json.obj(Json.obj(doc.get("service_types")).get("my-service"));
        assertThat(type).containsKey("port_range").containsKey("preferred_ports").doesNotContainKey("range");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        var again = cli.run("config", "generate");
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("already exists").contains("--force");
        assertThat(cli.run("config", "generate", "--force", "--json").json()).containsKey("written");

        // and the generated file validates, here and with the daemon
        daemon.on("POST", "/v1/config/validate", 200, "{\"valid\":true,\"errors\":[]}");
        var v = cli.run("config", "validate");
        assertThat(v.code()).isZero();
        assertThat(v.out()).contains("is valid");
        assertThat(Json.parseObject(daemon.last().body())).containsKey("service_types");
    }

    @Test
    void validateFindsMistakes() throws IOException {
        Path bad = cli.cwd.resolve("bad.json");
        Files.writeString(bad, "{\"service_types\":{\"x\":{\"range\":[5,1]},\"y\":{\"port_range\":[9000,8000]},"
                + "\"Bad Name\":{\"port_range\":{\"start\":7000,\"end\":7010},\"instance_behavior\":\"many\"}},"
                + "\"auto_allocation\":{\"placement\":\"sideways\",\"default_chunk_size\":0}}");
        var r = cli.run("config", "validate", "bad.json", "--json");
        assertThat(r.code()).isEqualTo(1);
        Map<String, Object> j = r.json();
        assertThat(j).containsEntry("valid", false);
        assertThat(Json.list(j.get("errors")).toString()).contains("port_range, not range")
                .contains("start 9000 is above end 8000").contains("type name").contains("instance_behavior")
                .contains("placement").contains("default_chunk_size");
        Files.writeString(bad, "{nope");
        assertThat(cli.run("config", "validate", "bad.json").out()).contains("not valid JSON");
        assertThat(cli.run("config", "validate", "missing.json").code()).isEqualTo(4);
    }

    @Test
    void autoAllocationStatusReadsTheMergedConfigAndEnableEditsTheUserFile() throws IOException {
        daemon.on("GET", "/v1/config", 200, "{\"auto_allocation\":{\"enabled\":true,\"default_chunk_size\":10,"
                + "\"placement\":\"after\",\"min_port\":10000,\"max_port\":49151}}");
        daemon.on("GET", "/v1/service-types", 200, "{\"service_types\":[{\"name\":\"dev\",\"source\":\"builtin\","
                + "\"port_range\":{\"start\":3000,\"end\":3099}},{\"name\":\"newt\",\"source\":\"auto-allocation\","
                + "\"port_range\":{\"start\":11510,\"end\":11519}}]}");
        var s = cli.run("config", "auto-allocation");
        assertThat(s.out()).contains("enabled").contains("newt").contains("11510-11519").doesNotContain("dev ");
        assertThat(cli.run("config", "auto-allocation", "list", "--json").json().get("auto_allocated_types"))
                .asList().hasSize(1);

        Files.writeString(cli.home.resolve("config.json"), "{\"service_types\":{\"newt\":{\"port_range\":[11510,"
                + "11519],\"auto_allocated\":true},\"mine\":{\"port_range\":[12000,12009]}}}");
        var d = cli.run("config", "auto-allocation", "disable");
        assertThat(d.out()).contains("styxy daemon restart");
        Map<String, Object> doc = Json.parseObject(Files.readString(cli.home.resolve("config.json")));
        assertThat(Json.obj(doc.get("auto_allocation"))).containsEntry("enabled", false);
        assertThat(Json.obj(doc.get("service_types"))).containsKeys("newt", "mine");

        assertThat(cli.run("config", "auto-allocation", "undo", "mine").code()).isEqualTo(1);
        assertThat(cli.run("config", "auto-allocation", "undo", "nothing").code()).isEqualTo(4);
        assertThat(cli.run("config", "auto-allocation", "undo", "newt").code()).isZero();
        doc = Json.parseObject(Files.readString(cli.home.resolve("config.json")));
        assertThat(Json.obj(doc.get("service_types"))).containsOnlyKeys("mine");
    }

    @Test
    void doctorIsHealthyWhenEverythingIsInPlace() throws IOException {
        Path lib = tmp.resolve("libstyxy-interpose.so");
        Files.writeString(lib, "not a library");
        cli.env.put("STYXY_PRELOAD_LIBRARY", lib.toString());
        daemon.on("GET", "/v1/status", 200, "{\"status\":\"running\",\"pid\":7,\"version\":\"1\",\"leases\":0}");
        daemon.on("GET", "/v1/doctor", 200, "{\"checks\":[{\"name\":\"store\",\"status\":\"ok\",\"detail\":"
                + "\"sqlite\"}],\"observers\":[{\"name\":\"procfs\",\"priority\":10,\"usable\":true,\"reason\":null,"
                + "\"active\":true}]}");
        var r = cli.run("doctor", "--json");
        Map<String, Object> j = r.json();
        String checks = Json.list(j.get("checks")).toString();
        assertThat(checks).contains("daemon check store").contains("token accepted");
        // the fake library cannot be preloaded: that is a failure, and the JSON stays pure
        assertThat(checks).contains("cannot be preloaded");
        assertThat(j).containsEntry("healthy", false);
        assertThat(r.code()).isEqualTo(1);
    }

    @Test
    void doctorFailsWhenTheDaemonIsDownOrFilesAreOpen() throws IOException {
        cli.port(1);
        Files.setPosixFilePermissions(cli.home.resolve("auth.token"), PosixFilePermissions.fromString("rw-r--r--"));
        var r = cli.run("doctor");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).contains("[FAIL] daemon").contains("chmod 600").contains("Not healthy");
    }
}
