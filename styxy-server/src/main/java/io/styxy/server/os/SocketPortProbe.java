package io.styxy.server.os;

import io.styxy.api.Protocol;
import io.styxy.server.engine.PortProbe;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.List;

/**
 * Binds the port on 0.0.0.0, ::, 127.0.0.1 and ::1 in turn, each with SO_REUSEADDR (as servers do, so a TIME_WAIT
 * leftover is not "busy") and closes at once. 127.0.0.1 and ::1 do not conflict with each other, so one address is
 * never enough. Any unexpected error counts as busy: the probe fails closed.
 */
public final class SocketPortProbe implements PortProbe {

    private record Target(StandardProtocolFamily family, InetAddress address) {
    }

    private final List<Target> targets;

    public SocketPortProbe() {
        this.targets = targets(ipv6Usable());
    }

    private static List<Target> targets(boolean ipv6) {
        try {
            Target any4 = new Target(StandardProtocolFamily.INET, InetAddress.getByName("0.0.0.0"));
            Target lo4 = new Target(StandardProtocolFamily.INET, InetAddress.getByName("127.0.0.1"));
            if (!ipv6) {
                return List.of(any4, lo4);
            }
            Target any6 = new Target(StandardProtocolFamily.INET6, InetAddress.getByName("::"));
            Target lo6 = new Target(StandardProtocolFamily.INET6, InetAddress.getByName("::1"));
            return List.of(any4, any6, lo4, lo6);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("literal addresses always parse", e);
        }
    }

    /** A machine without IPv6 (no ::1) cannot host an IPv6 listener either; probing it would fail every port. */
    private static boolean ipv6Usable() {
        try (ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            channel.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public boolean canBind(int port, Protocol protocol) {
        for (Target target : targets) {
            if (!bindOnce(target, port, protocol)) {
                return false;
            }
        }
        return true;
    }

    private static boolean bindOnce(Target target, int port, Protocol protocol) {
        try (NetworkChannel channel = protocol == Protocol.TCP
                ? ServerSocketChannel.open(target.family())
                : DatagramChannel.open(target.family())) {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(new InetSocketAddress(target.address(), port));
            return true;
        } catch (BindException e) {
            return false;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
