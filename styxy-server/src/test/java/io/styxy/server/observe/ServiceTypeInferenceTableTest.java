package io.styxy.server.observe;

import io.styxy.server.engine.ServiceTypeInference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The inference table against command lines as /proc/&lt;pid&gt;/cmdline shows them (arguments joined by spaces).
 * Covers every rule of the original list (npm dev/start, next dev, vite, webpack-dev-server, react-scripts start,
 * http.server, cypress/playwright/jest, storybook, uvicorn/fastapi/flask/django runserver, docusaurus/mkdocs,
 * mongod/postgres/redis-server, firebase emulators) and the substring mistakes it made.
 */
class ServiceTypeInferenceTableTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # --- dev servers
            node /home/dev/app/node_modules/.bin/vite                                   | dev
            node /home/dev/app/node_modules/vite/bin/vite.js --port 5173                | dev
            npx vite@5 --host                                                           | dev
            npm run dev                                                                 | dev
            npm start                                                                   | dev
            pnpm dev                                                                    | dev
            yarn run serve                                                              | dev
            bun run dev                                                                 | dev
            npm run start:dev                                                           | dev
            node /usr/lib/node_modules/npm/bin/npm-cli.js run dev                       | dev
            node /app/node_modules/.bin/next dev -p 3001                                | dev
            next-server (v14.2.3)                                                       | dev
            node /app/node_modules/react-scripts/bin/react-scripts.js start             | dev
            node /app/node_modules/.bin/webpack-dev-server --config webpack.dev.js      | dev
            node /app/node_modules/.bin/webpack serve --mode development                | dev
            node /usr/local/bin/ng serve --port 4200                                    | dev
            /usr/bin/node /app/node_modules/.bin/astro dev                              | dev
            node /app/node_modules/.bin/nuxi dev                                        | dev
            deno task dev                                                               | dev
            # --- api servers
            /usr/bin/python3 -m http.server 8000                                        | api
            python3 -u -m http.server 0 --bind 127.0.0.1                                | api
            /home/dev/.venv/bin/python /home/dev/.venv/bin/uvicorn main:app --reload    | api
            python -m uvicorn app.main:app --port 8001                                  | api
            /usr/bin/python3 /home/dev/.venv/bin/gunicorn -w 4 app:app                  | api
            /home/dev/.venv/bin/python /home/dev/.venv/bin/flask run --port 5001        | api
            fastapi dev main.py                                                         | api
            python manage.py runserver 0.0.0.0:8000                                     | api
            /home/dev/.venv/bin/python /home/dev/.venv/bin/django-admin runserver       | api
            puma 6.4.2 (tcp://0.0.0.0:3000) [myapp]                                     | api
            node /app/node_modules/.bin/nodemon src/server.js                           | api
            node /app/node_modules/.bin/json-server db.json                             | api
            php -S localhost:8080                                                       | api
            php artisan serve                                                           | api
            # --- test runners and browsers
            node /app/node_modules/.bin/cypress run                                     | test
            /root/.cache/Cypress/13.6.0/Cypress/Cypress --no-sandbox                    | test
            node /app/node_modules/@playwright/test/cli.js test                         | test
            /root/.cache/ms-playwright/chromium-1097/chrome-linux/chrome --headless     | test
            /usr/bin/chromium --headless --remote-debugging-port=9222                   | test
            node /app/node_modules/.bin/jest --watch                                    | test
            node /app/node_modules/vitest/vitest.mjs                                    | test
            /usr/bin/chromedriver --port=9515                                           | test
            # --- storybook, docs
            node /app/node_modules/.bin/storybook dev -p 6006                           | storybook
            node /app/node_modules/.bin/start-storybook -p 6006                         | storybook
            node /site/node_modules/.bin/docusaurus start                               | docs
            /home/dev/.venv/bin/python /home/dev/.venv/bin/mkdocs serve                 | docs
            hugo server -D                                                              | docs
            # --- databases and infrastructure
            /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main          | database
            postgres: 15/main: checkpointer                                             | database
            /usr/bin/mongod --config /etc/mongod.conf                                   | database
            /usr/bin/redis-server 127.0.0.1:6379                                        | database
            /usr/sbin/mysqld                                                            | database
            memcached -p 11211 -u memcache                                              | infrastructure
            /usr/bin/etcd --data-dir /tmp/etcd                                          | coordination
            # --- emulators
            java -jar /root/.cache/firebase/emulators/cloud-firestore-emulator-v1.19.4.jar --port 8080 | functions
            node /usr/local/bin/firebase emulators:start --only functions               | functions
            firebase emulators:exec ./test.sh                                           | functions
            # --- others
            nginx: master process /usr/sbin/nginx -g daemon off;                        | proxy
            /usr/local/bin/ngrok http 3000                                              | proxy
            /usr/local/bin/ollama serve                                                 | ai
            /opt/bitnami/prometheus/bin/prometheus --config.file=/etc/prometheus.yml    | monitoring
            /usr/lib/erlang/erts-13.2/bin/beam.smp -- -root /usr/lib/erlang -progname erl | messaging
            # --- negatives: the original's substring matches, and things that are no server at all
            node /home/dev/invite-service/server.js                                     | -
            node /home/dev/majestic/index.js                                            | -
            node /app/node_modules/jest-worker/build/workers/processChild.js            | -
            /home/vitest-user/app/bin/run                                               | -
            node /home/dev/flask-app/index.js                                           | -
            npm install                                                                 | -
            npm run build                                                               | -
            python /srv/postgres-backup/run.py                                          | -
            node next.config.js                                                         | -
            /usr/lib/jvm/temurin-25-jdk-amd64/bin/java -jar app.jar                     | -
            /usr/sbin/sshd -D                                                           | -
            /lib/systemd/systemd-resolved                                               | -
            node server.js --redis-server-url=redis://x                                 | -
            firebase deploy                                                             | -
            python manage.py migrate                                                    | -
            [kworker/0:1]                                                               | -
            """)
    void infers(String commandLine, String expected) {
        assertThat(ServiceTypeInference.infer(commandLine).orElse(null)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {"-", "''", "'   '"})
    void nothingFromNothing(String commandLine) {
        assertThat(ServiceTypeInference.infer(commandLine)).isEmpty();
    }
}
