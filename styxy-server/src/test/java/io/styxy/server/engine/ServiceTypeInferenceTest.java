package io.styxy.server.engine;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceTypeInferenceTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "node /usr/lib/node_modules/npm/bin/npm-cli.js run dev | dev",
            "npm start | dev",
            "node /app/node_modules/.bin/vite --port 3000 | dev",
            "node node_modules/.bin/next dev | dev",
            "python3 -m http.server 8000 | api",
            "/usr/bin/python3 /srv/manage.py runserver 0.0.0.0:8000 | api",
            "uvicorn main:app --reload | api",
            "node node_modules/.bin/storybook dev -p 6006 | storybook",
            "npx playwright test | test",
            "node /repo/node_modules/.bin/jest --watch | test",
            "postgres -D /var/lib/postgresql/data | database",
            "/usr/bin/redis-server 127.0.0.1:6379 | database",
            "mkdocs serve | docs",
            "ollama serve | ai",
            "node firebase emulators:start | functions",
            "/home/vitest-user/bin/server | none",
            "majestic --serve | none",
            "/opt/nextcloud/bin/sync | none",
            "| none"})
    void infersByWholeWordsNotSubstrings(String command, String type) {
        assertThat(ServiceTypeInference.infer(command).orElse(null)).isEqualTo(type);
    }
}
