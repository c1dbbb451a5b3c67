package io.styxy.observers.netlink;

import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.support.Tools;
import io.styxy.observers.testkit.PortObserverContract;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The observer contract against real sockets, through netlink sock_diag. */
class NetlinkObserverTest extends PortObserverContract {

    @Override
    protected PortObserverProvider provider() {
        return new NetlinkObserverProvider();
    }

    @Test
    void usableOnLinuxWithNativeAccess() {
        if (Tools.isLinux()) {
            assertThat(new NetlinkObserverProvider().availability().usable())
                    .as(new NetlinkObserverProvider().availability().reason()).isTrue();
            assertThat(NetlinkObserverProvider.class.getModule().isNativeAccessEnabled()).isTrue();
        }
    }
}
