package io.styxy.server.arch.cycle.a;

/** Half of a deliberate package cycle, for the layering test's negative control. */
public class First {
    public io.styxy.server.arch.cycle.b.Second next() {
        return new io.styxy.server.arch.cycle.b.Second();
    }
}
