package io.styxy.observers.ss;

import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.support.Tools;
import io.styxy.observers.testkit.PortObserverContract;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The observer contract against real sockets, by running the real ss. */
class SsObserverTest extends PortObserverContract {

    @Override
    protected PortObserverProvider provider() {
        return new SsObserverProvider();
    }

    @Test
    void usableWhereSsIsInstalled() {
        if (Tools.isLinux() && (Files.isExecutable(Path.of("/usr/bin/ss")) || Files.isExecutable(Path.of("/bin/ss")))) {
            var a = new SsObserverProvider().availability();
            assertThat(a.usable()).as(a.reason()).isTrue();
        }
    }

    @Test
    void unusableWhenSsIsNotOnPath() {
        var a = new SsObserverProvider("/nonexistent:relative/dir").availability();
        assertThat(a.usable()).isFalse();
        assertThat(a.reason()).contains("ss");
        assertThat(new SsObserverProvider("").availability().usable()).isFalse();
    }
}
