package io.styxy.server.daemon;

import io.styxy.api.Listener;
import io.styxy.server.engine.Engine;
import io.styxy.server.engine.EngineException;
import io.styxy.server.observe.ObservedListener;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * After the database had to be moved aside, the ledger starts empty. What can be rebuilt comes from the machine
 * itself: every process that listens on a port inside a managed range gets a lease on it again, owned by that
 * process, so the port shows who holds it and is freed when that process ends.
 */
final class Recovery {

    private Recovery() {
    }

    /** Adopts each managed port held by a visible process; returns how many leases were rebuilt. */
    static int rebuildFromListeners(Engine engine, List<ObservedListener> listeners) {
        Set<Integer> done = new HashSet<>();
        int rebuilt = 0;
        for (ObservedListener observed : listeners) {
            Listener l = observed.listener();
            if (!l.hasKnownOwner() || l.port() < 1024 || !done.add(l.port())
                    || engine.catalog().typeOfPort(l.port()).isEmpty()) {
                continue;
            }
            String type = engine.catalog().typeOfPort(l.port()).orElseThrow().name();
            try {
                engine.adopt(l.port(), l.pid(), type, Engine.ownerNameOf(l.processName()), l.cwd(), "recovered");
                rebuilt++;
            } catch (EngineException e) {
                // The process exited meanwhile, or its details do not fit a lease: nothing to rebuild.
            }
        }
        return rebuilt;
    }
}
