package io.styxy.bench;

import io.styxy.api.Protocol;
import io.styxy.server.engine.PortProbe;
import io.styxy.server.os.PortProbes;
import io.styxy.server.os.SocketPortProbe;
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
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One candidate check with the real bind probe (0.0.0.0, ::, 127.0.0.1, ::1 in turn): {@code probe=system} is the
 * one the daemon uses ({@link PortProbes#best()}: the system calls through the foreign-function API),
 * {@code probe=jdk} the JDK-channel one it falls back to ({@link SocketPortProbe}). {@code free}: a port nobody holds, so all four binds run (the worst case). {@code busy}: a port with a
 * listener on 0.0.0.0, refused at the first bind. Goal: at most 50 µs per check; {@link CpuTime} gives the CPU
 * time per check beside the wall-clock average.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class ProbeBench {

    @Param({"system", "jdk"})
    public String probeKind;

    private PortProbe probe;
    private int freePort;
    private ServerSocketChannel listener;
    private int busyPort;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        probe = probeKind.equals("jdk") ? new SocketPortProbe() : PortProbes.best();
        if (probeKind.equals("system") && probe instanceof SocketPortProbe) {
            throw new IllegalStateException("the system-call probe could not be linked here");
        }
        try (ServerSocketChannel c = ServerSocketChannel.open()) {
            c.bind(new InetSocketAddress("0.0.0.0", 0));
            freePort = c.socket().getLocalPort();
        }
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("0.0.0.0", 0));
        busyPort = listener.socket().getLocalPort();
        if (!probe.canBind(freePort, Protocol.TCP) || probe.canBind(busyPort, Protocol.TCP)) {
            throw new IllegalStateException("probe set-up: free " + freePort + " / busy " + busyPort);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        listener.close();
    }

    @Benchmark
    public boolean free(CpuTime cpu) {
        boolean free = probe.canBind(freePort, Protocol.TCP);
        cpu.tick();
        return free;
    }

    @Benchmark
    public boolean busy(CpuTime cpu) {
        boolean free = probe.canBind(busyPort, Protocol.TCP);
        cpu.tick();
        return free;
    }
}
