package io.styxy.server.http;

import io.helidon.webserver.WebServer;
import io.styxy.api.Listener;
import io.styxy.api.PortRange;
import io.styxy.server.audit.AuditLog;
import io.styxy.server.config.ConfigException;
import io.styxy.server.config.UserConfig;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.ServiceTypeInference;
import io.styxy.server.plugins.ServiceTypeSources;
import io.styxy.server.testing.EngineFixture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real engine and the real HTTP adapter, with in-memory fakes only at the engine's edges (store, bind probe,
 * process table, listeners) and a temporary state directory. One per test class; {@link #reset()} between tests.
 */
final class ApiFixture {

    static final String TOKEN = "3f1c0d9a6b2e4c8f9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071";

    final EngineFixture edges = new EngineFixture();
    final Engine engine;
    final Path home;
    final AuditLog audit;
    final Observation observation = new Observation();
    final ApiContext ctx;
    final HttpApi api;
    /** The port the Host and Origin checks expect; the socket tests set the real one. */
    volatile int port = 41_999;

    ApiFixture() {
        this(Duration.ofSeconds(15));
    }

    ApiFixture(Duration heartbeat) {
        try {
            home = Files.createTempDirectory("styxy-http-test");
            audit = new AuditLog(home.resolve("audit.log"));
            engine = edges.engine();
            UserConfig config = UserConfig.parse(home.resolve("config.json"), "{}");
            ctx = new ApiContext(engine, TOKEN, () -> port, audit, "0.1.0-test", Instant.now(),
                    home.resolve("styxy.sock"), home, observation,
                    new ConfigFacts(config, ServiceTypeSources.builtins(), PortRange.of(32768, 60999), "normal"));
            api = HttpApi.create(ctx, heartbeat);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Serves the API over a real socket on a port from the kernel, which the Host and Origin checks then expect.
     * Stop it with {@link #stop(WebServer)}.
     */
    WebServer serve() {
        var builder = WebServer.builder().port(0);
        api.configure(builder, false);
        WebServer server = builder.build().start();
        port = server.port();
        return server;
    }

    void stop(WebServer server) {
        server.stop();
        api.close();
    }

    /** Forgets every lease, listener, suggestion hold and quarantine; the store accepts writes again. */
    void reset() {
        edges.store.refuseWrites(false);
        edges.store.readOnly(null);
        edges.listeners.clear();
        engine.cleanup(true);
        edges.clock.advance(Duration.ofHours(1));
        engine.sweep();
        observation.failing = false;
    }

    void listen(Listener listener) {
        edges.listeners.computeIfAbsent(listener.port(), p -> new java.util.concurrent.CopyOnWriteArrayList<>())
                .add(listener);
    }

    /** The fake observer: the same listeners the engine sees. */
    final class Observation implements ObservationSource {
        volatile boolean failing;

        @Override
        public String observer() {
            return "fake";
        }

        @Override
        public List<ObservedListener> listeners() {
            List<ObservedListener> out = new ArrayList<>();
            edges.listeners.values().forEach(list -> list.forEach(l -> out.add(new ObservedListener(l,
                    ServiceTypeInference.infer(l.commandLine()).orElse(null)))));
            out.sort(java.util.Comparator.comparingInt(o -> o.listener().port()));
            return out;
        }

        @Override
        public Map<String, Object> report() {
            return Map.of("healthy", !failing, "scans", 10, "failures", failing ? 1 : 0, "timeouts", 0);
        }

        @Override
        public List<ObserverInfo> observers() {
            return List.of(new ObserverInfo("fake", 100, true, "test double", true),
                    new ObserverInfo("lsof", 10, false, "lsof is not installed", false));
        }
    }
}
