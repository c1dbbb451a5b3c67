package io.styxy.observers.bench;

import io.styxy.api.Listener;
import io.styxy.api.spi.ObserverConfig;
import io.styxy.api.spi.ObserverException;
import io.styxy.api.spi.PortObserver;
import io.styxy.api.spi.PortObserverProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

/**
 * A full listener scan and a single-port check by each built-in observer, with {@link #SOCKETS} listening sockets
 * on 127.0.0.1 (kernel-chosen ports) opened by the benchmark itself, on top of whatever the machine already has.
 * Owners are resolved (pid, command line, cwd, user), as the daemon asks for them.
 *
 * <p>Run: {@code java -jar observers/bench/target/observer-bench.jar} (all), or with a regex and JMH options, e.g.
 * {@code java -jar observers/bench/target/observer-bench.jar -p observer=netlink,procfs}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"})
public class ObserverBenchmark {

    static final int SOCKETS = 1_000;

    @Param({"netlink", "procfs", "ss", "lsof", "netstat"})
    public String observer;

    private final List<ServerSocketChannel> sockets = new ArrayList<>();
    private PortObserver instance;
    private int probePort;

    @Setup(Level.Trial)
    public void open() throws IOException, ObserverException {
        PortObserverProvider provider = ServiceLoader.load(PortObserverProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals(observer)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no observer " + observer));
        if (!provider.availability().usable()) {
            throw new IllegalStateException(observer + " is unusable: " + provider.availability().reason());
        }
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        for (int i = 0; i < SOCKETS; i++) {
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
            ch.bind(new InetSocketAddress(loopback, 0));
            sockets.add(ch);
        }
        probePort = ((InetSocketAddress) sockets.get(SOCKETS / 2).getLocalAddress()).getPort();
        instance = provider.create(new ObserverConfig(Duration.ofSeconds(30), true, Map.of()));
        List<Listener> first = instance.listeners();
        long ours = first.stream().filter(l -> l.pid() == ProcessHandle.current().pid()).count();
        if (ours < SOCKETS) {
            throw new IllegalStateException(observer + " saw " + ours + " of our " + SOCKETS + " listeners");
        }
        if (instance.listeners(probePort).isEmpty()) {
            throw new IllegalStateException(observer + " does not see port " + probePort);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (instance != null) {
            instance.close();
        }
        for (ServerSocketChannel ch : sockets) {
            ch.close();
        }
        sockets.clear();
    }

    /** Every listener of the machine, with owners. */
    @Benchmark
    public List<Listener> fullScan() throws ObserverException {
        return instance.listeners();
    }

    /** The listeners of one port, with owners: the allocation-time check. */
    @Benchmark
    public List<Listener> singlePort() throws ObserverException {
        return instance.listeners(probePort);
    }
}
