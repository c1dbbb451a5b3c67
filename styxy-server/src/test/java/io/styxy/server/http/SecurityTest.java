package io.styxy.server.http;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class SecurityTest {

    @ParameterizedTest
    @ValueSource(strings = {"/status", "/v1/leases", "/v1/leases/0b6f7c1e-5d0e-4c3a-9f6e-2d7f1b8a9c10/renew",
            "/check/3000", "/suggest/dev", "/v1/ports/", "/a.b/c..d/.e", "/%41"})
    void plainPathsPass(String path) {
        assertThat(Security.pathProblem(path)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "status", "/allocate/../config", "/./status", "/..", "/.", "/a/..", "//status",
            "/v1//leases", "/check/%00", "/a%2Fb", "/a%2fb", "/%2e%2e/x", "/%2E", "/a%5cb", "/a\\b", "/a b",
            "/a\tb", "/a\u0000b", "/a\u007fb"})
    void trickyPathsAreRefused(String path) {
        assertThat(Security.pathProblem(path)).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1:4000", "localhost:4000", "[::1]:4000", "LOCALHOST:4000", " 127.0.0.1:4000 "})
    void loopbackHostsWithOurPort(String host) {
        assertThat(Security.isLoopbackHost(host, 4000)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "localhost", "127.0.0.1:4001", "evil.example:4000", "127.0.0.2:4000",
            "0.0.0.0:4000", "localhost.evil:4000", "[::1]", "127.0.0.1:4000.evil", ""})
    void otherHostsAreRefused(String host) {
        assertThat(Security.isLoopbackHost(host, 4000)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:4000", "http://localhost:4000", "http://[::1]:4000"})
    void sameOrigin(String origin) {
        assertThat(Security.isSameOrigin(origin, 4000)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "https://127.0.0.1:4000", "http://127.0.0.1:4001", "http://evil.example",
            "http://localhost:4000.evil.example", "file://"})
    void crossOrigin(String origin) {
        assertThat(Security.isSameOrigin(origin, 4000)).isFalse();
    }
}
