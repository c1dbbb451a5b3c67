package io.styxy.server.arch.cycle.b;

/** The other half of the deliberate package cycle. */
public class Second {
    public io.styxy.server.arch.cycle.a.First back() {
        return new io.styxy.server.arch.cycle.a.First();
    }
}
