package io.styxy.observers.procfs;

import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.testkit.PortObserverContract;

/** The observer contract against real sockets, read through /proc. */
class ProcfsObserverTest extends PortObserverContract {

    @Override
    protected PortObserverProvider provider() {
        return new ProcfsObserverProvider();
    }
}
