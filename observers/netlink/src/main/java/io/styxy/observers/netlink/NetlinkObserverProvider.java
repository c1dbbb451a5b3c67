package io.styxy.observers.netlink;

import io.styxy.api.AddressFamily;
import io.styxy.api.Protocol;
import io.styxy.api.spi.Availability;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import io.styxy.observers.support.Tools;
import io.styxy.observers.support.Users;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;

/**
 * Provides the netlink sock_diag observer: the fastest way to list a Linux machine's listeners (tens of µs per dump
 * against milliseconds for {@code /proc/net} or a forked {@code ss}).
 *
 * <p>{@link #availability()} tries a real dump once and remembers the answer, so a JVM without native access for
 * this module ({@code --illegal-native-access=deny}), a kernel without sock_diag, or a sandbox that forbids netlink
 * sockets makes this provider unusable with the reason, instead of failing later.
 */
public final class NetlinkObserverProvider implements PortObserverProvider {

    static final String MODULE = "io.styxy.observers.netlink";

    private volatile Availability availability;

    /** Required by {@link java.util.ServiceLoader}; does nothing. */
    public NetlinkObserverProvider() {
    }

    @Override
    public String name() {
        return "netlink";
    }

    @Override
    public int priority() {
        return 110;
    }

    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            a = probe();
            availability = a;
        }
        return a;
    }

    private static Availability probe() {
        if (!Tools.isLinux()) {
            return Availability.unusable("netlink sock_diag needs Linux (os.name is "
                    + System.getProperty("os.name") + ")");
        }
        Module module = NetlinkObserverProvider.class.getModule();
        boolean granted = module.isNativeAccessEnabled();
        try (SockDiag diag = new SockDiag(Duration.ofSeconds(2))) {
            diag.dump(Protocol.TCP, AddressFamily.IPV4, -1, new ArrayList<>());
        } catch (ObserverException e) {
            return Availability.unusable("netlink sock_diag does not work here: " + e.getMessage());
        } catch (LinkageError | RuntimeException e) {
            // Restricted FFM methods throw IllegalCallerException when native access is denied; in a static
            // initialiser it arrives wrapped in ExceptionInInitializerError.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof IllegalCallerException) {
                    return Availability.unusable("native access is denied to " + describe(module)
                            + ": start the JVM with --enable-native-access=" + MODULE + " (" + t.getMessage() + ")");
                }
            }
            return Availability.unusable("cannot call libc through the FFM API: " + e);
        }
        String owners = Files.isReadable(Path.of("/proc")) ? "; owners from /proc/<pid>/fd" : "; no owners";
        return Availability.usable("netlink sock_diag dumps through FFM" + owners
                + (granted ? "" : "; native access is not enabled for " + describe(module)
                + ", so the JDK warns: add --enable-native-access=" + MODULE));
    }

    private static String describe(Module module) {
        return module.isNamed() ? "module " + module.getName() : "the class path (ALL-UNNAMED)";
    }

    @Override
    public PortObserver create(ObserverConfig config) {
        return new NetlinkObserver(config.toolTimeout(), config.resolveOwners(), Path.of("/proc"), Users.system());
    }
}
