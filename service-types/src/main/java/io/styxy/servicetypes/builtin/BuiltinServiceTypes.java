package io.styxy.servicetypes.builtin;

import io.styxy.api.InstanceBehavior;
import io.styxy.api.PortRange;
import io.styxy.api.ServiceType;
import io.styxy.api.spi.ServiceTypeProvider;

import java.util.List;

/** The built-in service types, with the names, preferred ports and ranges users already rely on. */
public final class BuiltinServiceTypes implements ServiceTypeProvider {

    /** Required by {@link java.util.ServiceLoader}; does nothing. */
    public BuiltinServiceTypes() {
    }

    @Override
    public String name() {
        return "builtin";
    }

    @Override
    public List<ServiceType> serviceTypes() {
        return List.of(
                multi("dev", "Frontend development servers", 3000, 3099,
                        "React/Next.js dev", "Vite dev server", "Angular ng serve", "webpack-dev-server"),
                multi("api", "Backend API servers", 8000, 8099,
                        "Express", "FastAPI/uvicorn", "Django runserver", "Flask", "python -m http.server"),
                multi("database", "Databases", 5430, 5499, "PostgreSQL", "MySQL", "MongoDB"),
                multi("auth", "Authentication services and emulators", 9099, 9199, "Firebase Auth emulator", "Keycloak"),
                withPreferred("functions", "Serverless functions and their emulators", 5000, 5099, 5001,
                        "Firebase Functions emulator", "Netlify functions"),
                multi("ui", "Emulator UIs and admin panels", 4000, 4099, "Firebase Emulator UI", "admin dashboards"),
                multi("hub", "Emulator hubs", 4400, 4499, "Firebase Emulator hub"),
                withPreferred("storybook", "Component explorers", 6006, 6029, 6006, "Storybook"),
                multi("test", "Test runners and browser automation", 9200, 9299,
                        "Playwright", "Cypress", "Chrome DevTools protocol"),
                multi("proxy", "Proxies and tunnels", 8100, 8199, "nginx", "ngrok", "cloudflared"),
                multi("docs", "Documentation servers", 4100, 4199, "Docusaurus", "MkDocs", "VitePress"),
                multi("monitoring", "Monitoring and metrics", 3100, 3199, "Grafana", "Prometheus"),
                multi("build", "Build tools and watchers", 8200, 8299, "webpack watch", "esbuild serve"),
                multi("infrastructure", "Caches and infrastructure", 6370, 6399, "Redis", "Memcached"),
                new ServiceType("ai", "Local AI model servers (one per machine)", PortRange.of(11400, 11499),
                        List.of(11430, 11431, 11432, 11433), InstanceBehavior.SINGLE,
                        List.of("Ollama", "llama.cpp server", "vLLM")),
                multi("messaging", "Message brokers", 9050, 9098, "RabbitMQ", "Kafka", "NATS"),
                multi("coordination", "Coordination services", 9870, 9899, "Styxy", "etcd", "ZooKeeper"));
    }

    /** A multi-instance type whose four preferred ports are the first four of its range. */
    private static ServiceType multi(String name, String description, int start, int end, String... examples) {
        return withPreferred(name, description, start, end, start, examples);
    }

    private static ServiceType withPreferred(String name, String description, int start, int end,
                                             int firstPreferred, String... examples) {
        List<Integer> preferred = List.of(firstPreferred, firstPreferred + 1, firstPreferred + 2, firstPreferred + 3);
        return new ServiceType(name, description, PortRange.of(start, end), preferred, InstanceBehavior.MULTI,
                List.of(examples));
    }
}
