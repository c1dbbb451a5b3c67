package io.styxy.observers.netstat;

import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.support.Tools;
import io.styxy.observers.testkit.PortObserverContract;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The observer contract against real sockets, by running the real netstat. */
class NetstatObserverTest extends PortObserverContract {

    @Override
    protected PortObserverProvider provider() {
        return new NetstatObserverProvider();
    }

    @Test
    void usableWhereNetstatIsInstalled() {
        if (Tools.isLinux() && (Files.isExecutable(Path.of("/usr/bin/netstat"))
                || Files.isExecutable(Path.of("/bin/netstat")))) {
            var a = new NetstatObserverProvider().availability();
            assertThat(a.usable()).as(a.reason()).isTrue();
        }
    }

    @Test
    void unusableWhenNetstatIsNotOnPath() {
        var a = new NetstatObserverProvider("/nonexistent").availability();
        assertThat(a.usable()).isFalse();
        assertThat(a.reason()).contains("netstat is not on PATH");
    }
}
