package io.styxy.observers.lsof;

import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.testkit.PortObserverContract;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The observer contract against real sockets, by running the real lsof. */
class LsofObserverTest extends PortObserverContract {

    @Override
    protected PortObserverProvider provider() {
        return new LsofObserverProvider();
    }

    @Test
    void usableWhereLsofIsInstalled() {
        if (Files.isExecutable(Path.of("/usr/bin/lsof")) || Files.isExecutable(Path.of("/usr/sbin/lsof"))) {
            var a = new LsofObserverProvider().availability();
            assertThat(a.usable()).as(a.reason()).isTrue();
        }
    }

    @Test
    void unusableWhenLsofIsNotOnPath() {
        var a = new LsofObserverProvider("/nonexistent").availability();
        assertThat(a.usable()).isFalse();
        assertThat(a.reason()).contains("lsof is not on PATH");
    }
}
