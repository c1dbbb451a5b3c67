package io.styxy.server.engine;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Guesses a listener's service type from its command line. The rules are data, in one ordered table: the first
 * match wins. Patterns match whole words of the command (program names, subcommands, module names), never
 * arbitrary substrings, so {@code /home/vitest-user/app} is not "vite" and {@code majestic} is not "jest".
 */
public final class ServiceTypeInference {

    /** One rule: a regular expression over the lower-cased command line, and the type it means. */
    public record Rule(String type, Pattern pattern) {

        static Rule of(String type, String regex) {
            return new Rule(type, Pattern.compile(regex));
        }
    }

    // Token boundaries as lookarounds (they consume nothing, so rules can chain tokens): a token starts after the
    // start, a space, '/', '=' or '@', and ends before the end, a space, ':', '@', '/' or a file extension.
    private static final String B = "(?<![^\\s/=@])";
    private static final String E = "(?![^\\s:@/.])";

    /** The table. Order matters: specific tools before the generic runtimes that launch them. */
    public static final List<Rule> RULES = List.of(
            Rule.of("storybook", B + "(storybook|start-storybook|build-storybook)" + E),
            Rule.of("test", B + "(cypress|playwright|jest|vitest|karma|wdio|chromedriver|geckodriver)" + E),
            Rule.of("test", "--remote-debugging-port"),
            Rule.of("docs", B + "(docusaurus|mkdocs|vitepress|jekyll|hugo|mdbook|sphinx-autobuild)" + E),
            Rule.of("functions", B + "firebase" + E + ".*" + B + "emulators?(:start)?" + E),
            Rule.of("functions", B + "(netlify-lambda|functions-framework|func)" + E + ".*" + B + "start" + E),
            Rule.of("database", B + "(postgres|postgresql|mysqld|mariadbd|mongod|redis-server|cockroach)" + E),
            Rule.of("infrastructure", B + "(memcached|valkey-server|consul|vault)" + E),
            Rule.of("messaging", B + "(rabbitmq-server|kafka-server-start(\\.sh)?|nats-server|beam\\.smp)" + E),
            Rule.of("monitoring", B + "(grafana|grafana-server|prometheus|alertmanager|jaeger|otelcol)" + E),
            Rule.of("proxy", B + "(nginx|caddy|traefik|haproxy|ngrok|cloudflared|mitmproxy|envoy)" + E),
            Rule.of("ai", B + "(ollama|llama-server|vllm|text-generation-launcher|lmstudio)" + E),
            Rule.of("dev", B + "(vite|next|nuxt|astro|remix|webpack-dev-server|webpack serve|react-scripts|ng|parcel"
                    + "|svelte-kit|gatsby|expo|metro)" + E + ".*" + B + "(dev|start|serve|develop)?"),
            Rule.of("dev", B + "(npm|pnpm|yarn|bun)" + E + ".*" + B + "(run\\s+)?(dev|start|serve)" + E),
            Rule.of("api", B + "(uvicorn|gunicorn|hypercorn|fastapi|flask|rails|puma|nodemon)" + E),
            Rule.of("api", B + "manage\\.py" + E + ".*" + B + "runserver" + E),
            Rule.of("api", B + "-m\\s+http\\.server" + E),
            Rule.of("api", B + "http\\.server" + E),
            Rule.of("api", B + "(express|fastify|koa|nest)" + E));

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
