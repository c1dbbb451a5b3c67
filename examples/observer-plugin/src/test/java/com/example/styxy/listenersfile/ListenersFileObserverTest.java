package com.example.styxy.listenersfile;

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

class ListenersFileObserverTest {

    @TempDir
    Path tmp;

    private final PortObserverProvider provider = new ListenersFileObserverProvider();

    private PortObserver observer(String file) {
        return provider.create(new ObserverConfig(Duration.ofSeconds(2), true,
                file == null ? Map.of() : Map.of("file", file)));
    }

    @Test
    void isALowPriorityObserverUsableEverywhere() {
        assertThat(provider.name()).isEqualTo("listeners-file");
        assertThat(provider.priority()).isEqualTo(1);
        assertThat(provider.availability().usable()).isTrue();
        assertThat(provider.availability().reason()).contains("observers.listeners-file.file");
    }

    @Test
    void reportsTheDeclaredListenersAndOnePortOnRequest() throws Exception {
        Path file = tmp.resolve("ports.txt");
        Files.writeString(file, "tcp 5432 postgres\nudp 5353\n");
        try (PortObserver observer = observer(file.toString())) {
            assertThat(observer.listeners()).extracting(Listener::port).containsExactly(5432, 5353);
            assertThat(observer.listeners(5353)).singleElement()
                    .satisfies(l -> assertThat(l.protocol().wireName()).isEqualTo("udp"));
            assertThat(observer.listeners(80)).isEmpty();
        }
    }

    @Test
    void readsTheFileAgainOnlyWhenItChanges() throws Exception {
        Path file = tmp.resolve("ports.txt");
        Files.writeString(file, "tcp 5432\n");
        PortObserver observer = observer(file.toString());
        List<Listener> first = observer.listeners();
        assertThat(observer.listeners()).as("unchanged: the same answer, not a new read").isSameAs(first);

        Files.writeString(file, "tcp 5433\ntcp 5434\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(observer.listeners()).extracting(Listener::port).containsExactly(5433, 5434);
    }

    @Test
    void aBrokenLineFailsTheScanWithItsPlace() throws Exception {
        Path file = tmp.resolve("ports.txt");
        Files.writeString(file, "tcp 5432\ntcp nope\n");
        assertThatThrownBy(() -> observer(file.toString()).listeners()).isInstanceOf(ObserverException.class)
                .hasMessage(file + ":2: a port must be a number from 1 to 65535, got \"nope\"");
    }

    @Test
    void withoutAFileOrWithAMissingOneTheScanSaysWhatToDo() {
        assertThatThrownBy(() -> observer(null).listeners()).isInstanceOf(ObserverException.class)
                .hasMessageContaining("set observers.listeners-file.file in config.json");
        Path missing = tmp.resolve("nope.txt");
        assertThatThrownBy(() -> observer(missing.toString()).listeners()).isInstanceOf(ObserverException.class)
                .hasMessage(missing + ": no such file; create it (one \"tcp 5432\" per line) or fix"
                        + " observers.listeners-file.file");
    }

    @Test
    void aTildeMeansTheUsersHome() throws Exception {
        String home = System.getProperty("user.home");
        try {
            System.setProperty("user.home", tmp.toString());
            Files.writeString(tmp.resolve("ports.txt"), "tcp 6000\n");
            assertThat(observer("~/ports.txt").listeners()).extracting(Listener::port).containsExactly(6000);
        } finally {
            System.setProperty("user.home", home);
        }
    }

    @Test
    void isDeclaredAsAProviderBothWays() throws Exception {
        Module module = ListenersFileObserverProvider.class.getModule();
        if (module.isNamed()) {
            assertThat(module.getDescriptor().exports()).isEmpty();
            assertThat(module.getDescriptor().provides()).singleElement()
                    .satisfies(p -> assertThat(p.providers())
                            .containsExactly(ListenersFileObserverProvider.class.getName()));
        }
        try (InputStream in = ListenersFileObserverProvider.class.getResourceAsStream(
                "/META-INF/services/" + PortObserverProvider.class.getName())) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip())
                    .isEqualTo(ListenersFileObserverProvider.class.getName());
        }
    }
}
