package io.styxy.server.engine;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Guesses a listener's service type from its command line. The rules are data, in one ordered table: the first
 * match wins. Patterns match whole words of the command (program names, subcommands, module names), never
 * arbitrary substrings, so {@code /home/vitest-user/app} is not "vite", {@code majestic} is not "jest", and
 * {@code npm install} is not a dev server. Pure: no I/O.
 */
public final class ServiceTypeInference {

    /** One rule: a regular expression over the lower-cased command line, and the type it means. */
    public record Rule(String type, Pattern pattern) {

        static Rule of(String type, String regex) {
            return new Rule(type, Pattern.compile(regex));
        }
    }

    /**
     * Start of a word: the start of the command, or a space, slash, {@code =}, {@code @} or quote before it. So
     * {@code /usr/bin/vite}, {@code --config=jest} and {@code npx vite@5} count, {@code invite} and {@code majestic}
     * do not.
     */
    private static final String B = "(?:^|[\\s/=@'\"])";
    /**
     * End of a word: the end of the command, a space, {@code :}, {@code @} or quote after it, or a script suffix
     * ({@code vite.js}, {@code manage.py}, {@code kafka-server-start.sh}). A following {@code -}, {@code _}, {@code /}
     * or letter means another word: {@code jest-worker}, {@code vite-plugin}, {@code /home/u/flask-app/} do not count.
     */
    private static final String E = "(?=$|[\\s:@'\"]|\\.(?:[cm]?[jt]sx?|py|rb|sh|exe)(?:$|[\\s:]))";

    /** The end of a word followed by its file suffix, if any: for rules that go on to the next argument. */
    private static final String W = E + "\\S*";

    private static Rule word(String type, String alternatives) {
        return Rule.of(type, B + "(?:" + alternatives + ")" + E);
    }

    /** The table. Order matters: specific tools before the generic runtimes and package managers that launch them. */
    public static final List<Rule> RULES = List.of(
            word("storybook", "storybook|start-storybook|build-storybook"),
            word("test", "cypress|playwright|jest|vitest|karma|wdio|chromedriver|geckodriver|msedgedriver"
                    + "|selenium-server|testcafe"),
            Rule.of("test", "/ms-playwright/|/@playwright/test/|--remote-debugging-port(?:=|\\s|$)"),
            word("docs", "docusaurus|mkdocs|vitepress|jekyll|hugo|mdbook|sphinx-autobuild|docsify"),
            Rule.of("functions", B + "firebase" + E + ".*" + B + "emulators?(?::start|:exec)?" + E),
            Rule.of("functions", B + "(?:netlify-lambda|functions-framework|func)" + E + ".*" + B + "start" + E),
            Rule.of("functions", B + "(?:cloud-firestore-emulator|cloud-storage-rules-runtime|pubsub-emulator"
                    + "|firebase-database-emulator)[-.\\w]*" + E),
            word("database", "postgres|postgresql|mysqld|mariadbd|mongod|redis-server|cockroach|clickhouse-server"
                    + "|influxd"),
            word("infrastructure", "memcached|valkey-server|consul|vault|minio|localstack"),
            word("coordination", "etcd|zkserver|zookeeper-server-start|styxy"),
            word("messaging", "rabbitmq-server|kafka-server-start|nats-server|beam\\.smp|mosquitto"),
            word("monitoring", "grafana|grafana-server|prometheus|alertmanager|jaeger-all-in-one|jaeger|otelcol"
                    + "|otelcol-contrib"),
            word("proxy", "nginx|caddy|traefik|haproxy|ngrok|cloudflared|mitmproxy|mitmdump|envoy"),
            word("ai", "ollama|llama-server|vllm|text-generation-launcher|lmstudio"),
            word("dev", "vite|webpack-dev-server|next-server|nuxi|nuxt|astro|parcel|gatsby|expo|metro|svelte-kit"
                    + "|remix|live-server|browser-sync"),
            Rule.of("dev", B + "next" + W + "\\s+(?:dev|start)" + E),
            Rule.of("dev", B + "react-scripts" + E + ".*" + B + "start" + E),
            Rule.of("dev", B + "(?:ng|webpack|webpack-cli)" + W + "\\s+serve" + E),
            Rule.of("dev", B + "(?:npm|npm-cli|pnpm|yarn|bun)" + W + "(?:\\s+run)?\\s+(?:dev|start|serve)" + E),
            Rule.of("dev", B + "deno" + W + "\\s+task\\s+(?:dev|start)" + E),
            word("api", "uvicorn|gunicorn|hypercorn|daphne|fastapi|flask|rails|puma|nodemon|json-server"
                    + "|http-server|express|fastify|koa|nest"),
            Rule.of("api", B + "(?:manage\\.py|django-admin)" + E + ".*" + B + "runserver" + E),
            Rule.of("api", B + "http\\.server" + E),
            Rule.of("api", B + "php" + W + "\\s+(?:-s|artisan\\s+serve)" + E));

    private ServiceTypeInference() {
    }

    /** The type the command line suggests, if any rule matches. */
    public static Optional<String> infer(String commandLine) {
        if (commandLine == null || commandLine.isBlank()) {
            return Optional.empty();
        }
        String text = commandLine.toLowerCase(Locale.ROOT).strip();
        for (Rule rule : RULES) {
            if (rule.pattern().matcher(text).find()) {
                return Optional.of(rule.type());
            }
        }
        return Optional.empty();
    }
}
