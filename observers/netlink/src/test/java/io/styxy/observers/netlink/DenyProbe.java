package io.styxy.observers.netlink;

/** Run in a child JVM: prints the provider's availability as {@code usable|reason}. */
public final class DenyProbe {

    private DenyProbe() {
    }

    public static void main(String[] args) {
        var a = new NetlinkObserverProvider().availability();
        System.out.println(a.usable() + "|" + a.reason());
    }
}
