/**
 * Linux port observer that asks the kernel directly: one {@code NETLINK_SOCK_DIAG} dump ({@code inet_diag_req_v2})
 * per protocol and family, through the FFM API ({@code java.lang.foreign}) with downcalls to libc. Owners come from
 * {@code /proc/<pid>/fd}. Never forks. Exports nothing.
 *
 * <p>Needs native access: run with {@code --enable-native-access=io.styxy.observers.netlink}. Without it the JDK
 * warns (or, with {@code --illegal-native-access=deny}, refuses, and the provider reports itself unusable).
 *
 * @provides io.styxy.api.spi.PortObserverProvider
 */
module io.styxy.observers.netlink {
    requires io.styxy.api;
    requires io.styxy.observers.support;

    provides io.styxy.api.spi.PortObserverProvider with io.styxy.observers.netlink.NetlinkObserverProvider;
}
