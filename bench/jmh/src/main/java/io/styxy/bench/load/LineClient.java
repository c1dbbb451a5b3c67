package io.styxy.bench.load;

import java.io.EOFException;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** One connection to the daemon's Unix socket: a line out, a line back (docs/protocol.md). */
public final class LineClient implements AutoCloseable {

    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(4096);
    private final ByteBuffer out = ByteBuffer.allocate(2048);

    public LineClient(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        in.flip();
    }

    /** Sends {@code request} (without its newline) and returns the answer line (without its newline). */
    public String call(String request) throws IOException {
        return callRaw((request + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Sends these bytes as they are and reads one answer line. */
    public String callRaw(byte[] bytes) throws IOException {
        ByteBuffer b = bytes.length <= out.capacity() ? out.clear().put(bytes).flip() : ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
        StringBuilder sb = new StringBuilder(96);
        while (true) {
            while (in.hasRemaining()) {
                byte c = in.get();
                if (c == '\n') {
                    return sb.toString();
                }
                sb.append((char) (c & 0xff));
            }
            in.clear();
            int n = channel.read(in);
            in.flip();
            if (n < 0) {
                throw new EOFException("the daemon closed the connection");
            }
        }
    }

    /** The value of {@code key=} in an answer line, or null. */
    public static String field(String line, String key) {
        String k = " " + key + "=";
        int i = line.indexOf(k);
        if (i < 0) {
            return null;
        }
        int start = i + k.length();
        int end = line.indexOf(' ', start);
        return end < 0 ? line.substring(start) : line.substring(start, end);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
