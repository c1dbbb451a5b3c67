package com.example.styxy.declared;

import io.styxy.api.Listener;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeclaredObserverTest {

    @TempDir
    Path tmp;

    private static ObserverConfig options(Map<String, String> options) {
        return new ObserverConfig(Duration.ofSeconds(2), true, options);
    }

    /** A provider over an empty /proc/net, so that only declared listeners show. */
    private DeclaredObserverProvider provider(Map<String, String> env) throws Exception {
        Path proc = tmp.resolve("proc");
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(proc.resolve("net/tcp"), "  sl  local_address rem_address   st\n");
        return new DeclaredObserverProvider(proc, env);
    }

    @Test
    void isALowPriorityLinuxObserver() {
        PortObserverProvider provider = new DeclaredObserverProvider();
        assertThat(provider.name()).isEqualTo("declared");
        assertThat(provider.priority()).isLessThan(10);
        if (Files.isReadable(Path.of("/proc/net/tcp"))) {
            assertThat(provider.availability().usable()).isTrue();
            assertThat(provider.availability().reason()).contains("observers.declared.file");
        }
        assertThat(new DeclaredObserverProvider(tmp.resolve("no-proc"), Map.of()).availability().usable()).isFalse();
    }

    @Test
    void reportsTheKernelsListenersAndThenTheDeclaredOnes() throws Exception {
        Path file = tmp.resolve("ports.txt");
        Files.writeString(file, "tcp 15432 postgres on the host\nudp 15353\n");
        try (PortObserver observer = new DeclaredObserverProvider(ProcNetTest.fixture(), Map.of())
                .create(options(Map.of("file", file.toString())))) {
            List<Listener> listeners = observer.listeners();
            assertThat(listeners).extracting(Listener::port).endsWith(15432, 15353);
            assertThat(listeners.size()).isGreaterThan(2);
            assertThat(observer.listeners(15353)).singleElement()
                    .satisfies(l -> assertThat(l.protocol().wireName()).isEqualTo("udp"));
        }
    }

    @Test
    void readsTheFileAgainOnlyWhenItChanges() throws Exception {
        Path file = tmp.resolve("ports.txt");
        Files.writeString(file, "tcp 5432\n");
        DeclaredObserver observer = (DeclaredObserver) provider(Map.of())
                .create(options(Map.of("file", file.toString())));
        List<Listener> first = observer.declared();
        assertThat(observer.declared()).as("unchanged: the same answer, not a new read").isSameAs(first);

        Files.writeString(file, "tcp 5433\ntcp 5434\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(observer.listeners()).extracting(Listener::port).containsExactly(5433, 5434);
    }

    @Test
    void aBrokenLineFailsTheScanWithItsPlace() throws Exception {
        Path file = tmp.resolve("ports.txt");
        Files.writeString(file, "tcp 5432\ntcp nope\n");
        PortObserver observer = provider(Map.of()).create(options(Map.of("file", file.toString())));
        assertThatThrownBy(observer::listeners).isInstanceOf(ObserverException.class)
                .hasMessage(file + ":2: a port must be a number from 1 to 65535, got \"nope\"");
    }

    @Test
    void aNamedFileMustExistTheDefaultOneMayNot() throws Exception {
        Path missing = tmp.resolve("nope.txt");
        PortObserver named = provider(Map.of()).create(options(Map.of("file", missing.toString())));
        assertThatThrownBy(named::listeners).isInstanceOf(ObserverException.class)
                .hasMessage(missing + ": no such file; create it (one \"tcp 5432\" a line) or fix"
                        + " observers.declared.file in config.json");

        Path home = tmp.resolve("styxy-home");
        PortObserver byDefault = provider(Map.of("STYXY_HOME", home.toString())).create(options(Map.of()));
        assertThat(byDefault.listeners()).isEmpty();
        Files.createDirectories(home);
        Files.writeString(home.resolve("declared-ports"), "tcp 6000 grafana in the VM\n");
        assertThat(byDefault.listeners()).singleElement().satisfies(l -> {
            assertThat(l.port()).isEqualTo(6000);
            assertThat(l.processName()).isEqualTo("grafana in the VM");
        });
    }

    @Test
    void aTildeMeansTheUsersHome() throws Exception {
        String home = System.getProperty("user.home");
        DeclaredObserverProvider provider = provider(Map.of());
        try {
            System.setProperty("user.home", tmp.toString());
            Files.writeString(tmp.resolve("ports.txt"), "tcp 6001\n");
            assertThat(provider.create(options(Map.of("file", "~/ports.txt"))).listeners())
                    .extracting(Listener::port).containsExactly(6001);
        } finally {
            System.setProperty("user.home", home);
        }
    }

    @Test
    void isDeclaredAsAProviderBothWays() throws Exception {
        Module module = DeclaredObserverProvider.class.getModule();
        if (module.isNamed()) {
            assertThat(module.getDescriptor().exports()).isEmpty();
            assertThat(module.getDescriptor().provides()).singleElement()
                    .satisfies(p -> assertThat(p.providers()).containsExactly(DeclaredObserverProvider.class.getName()));
        }
        try (InputStream in = DeclaredObserverProvider.class.getResourceAsStream(
                "/META-INF/services/" + PortObserverProvider.class.getName())) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip())
                    .isEqualTo(DeclaredObserverProvider.class.getName());
        }
    }
}
