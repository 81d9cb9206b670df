package io.pgpacer.testkit.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

/**
 * TCP connections from the test JVM, which lives in the root network namespace and cannot reach the lab's
 * addresses, to addresses inside the lab. {@link #forward} listens on 127.0.0.1 here and hands every
 * connection, through a Unix socket (socket files are shared by all network namespaces), to a relay process
 * inside one lab host, which connects on from there. Nothing is added to any namespace's network; the test's
 * HTTP and JDBC clients work unchanged.
 *
 * <p>A target that refuses or does not answer within a second makes the relay close the connection, so the
 * client sees the connection closed at once (as from a dead agent). The relay is this class's {@link #main}.
 */
public final class NamespaceTunnel implements AutoCloseable {
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;
    private static final int BUFFER_SIZE = 16 * 1024;
    private static final Duration RELAY_START = Duration.ofSeconds(30);
    /** The kernel's limit for a Unix socket path (sun_path), less its terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    private final Path socket;
    private final Process relay;
    private final Map<InetSocketAddress, ServerSocketChannel> forwards = new ConcurrentHashMap<>();
    private final List<SocketChannel> open = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "namespace-tunnel");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean closed;

    private NamespaceTunnel(Path socket, Process relay) {
        this.socket = socket;
        this.relay = relay;
    }

    /**
     * Starts the relay inside {@code host}, listening on {@code socket}, and returns once it accepts connections.
     *
     * @throws IllegalStateException if the relay does not come up within 30 s (its log is named)
     */
    public static NamespaceTunnel open(LabHost host, Path socket, Path log) {
        if (socket.toString().length() > MAX_SOCKET_PATH) {
            throw new IllegalArgumentException("Unix socket path " + socket + " is longer than " + MAX_SOCKET_PATH
                    + " characters; build in a directory with a shorter path");
        }
        Process relay = host.start(log, TestJvm.command(NamespaceTunnel.class, socket.toString()));
        NamespaceTunnel tunnel = new NamespaceTunnel(socket, relay);
        long deadline = System.nanoTime() + RELAY_START.toNanos();
        while (!tunnel.relayAnswers()) {
            if (!relay.isAlive() || System.nanoTime() - deadline > 0) {
                relay.destroyForcibly();
                throw new IllegalStateException("the tunnel relay in " + host.name() + " did not come up within "
                        + RELAY_START.toSeconds() + " s" + (relay.isAlive() ? "" : " (it exited)") + "; see " + log);
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        return tunnel;
    }

    /**
     * A port on 127.0.0.1 whose connections reach {@code host:port} inside the lab; the same port for the same
     * target every time.
     */
    public int forward(String host, int port) {
        InetSocketAddress target = InetSocketAddress.createUnresolved(host, port);
        return forwards.computeIfAbsent(target, this::listen).socket().getLocalPort();
    }

    private ServerSocketChannel listen(InetSocketAddress target) {
        try {
            ServerSocketChannel server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            threads.execute(() -> accept(server, target));
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on loopback to forward " + target + ": " + e, e);
        }
    }

    private void accept(ServerSocketChannel server, InetSocketAddress target) {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            threads.execute(() -> {
                try {
                    // why: without it, Nagle's algorithm and delayed ACKs hold a response's second segment 40 ms.
                    client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    SocketChannel far = SocketChannel.open(UnixDomainSocketAddress.of(socket));
                    far.write(ByteBuffer.wrap((target.getHostString() + " " + target.getPort() + "\n")
                            .getBytes(StandardCharsets.US_ASCII)));
                    track(client, far);
                    splice(client, far, threads);
                } catch (IOException e) {
                    closeQuietly(client);
                }
            });
        }
    }

    private synchronized void track(SocketChannel... channels) {
        open.removeIf(channel -> !channel.isOpen());
        open.addAll(List.of(channels));
    }

    private boolean relayAnswers() {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops forwarding, closes every forwarded connection and ends the relay. */
    @Override
    public void close() {
        closed = true;
        forwards.values().forEach(NamespaceTunnel::closeQuietly);
        synchronized (this) {
            open.forEach(NamespaceTunnel::closeQuietly);
        }
        threads.shutdownNow();
        relay.destroyForcibly();
    }

    /**
     * The relay, run inside a lab host: accepts on the Unix socket {@code args[0]}; each connection starts with
     * one line {@code HOST PORT}, after which it is spliced to a TCP connection to that target.
     */
    public static void main(String[] args) throws IOException {
        Path socket = Path.of(args[0]);
        Files.deleteIfExists(socket);
        ExecutorService threads = Executors.newCachedThreadPool();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            while (true) {
                SocketChannel near = server.accept();
                threads.execute(() -> relay(near, threads));
            }
        }
    }

    private static void relay(SocketChannel near, ExecutorService threads) {
        try {
            String[] target = readLine(near).split(" ");
            if (target.length != 2) {
                closeQuietly(near);
                return;
            }
            SocketChannel far = SocketChannel.open();
            try {
                far.socket().connect(new InetSocketAddress(target[0], Integer.parseInt(target[1])),
                        CONNECT_TIMEOUT_MILLIS);
                far.setOption(StandardSocketOptions.TCP_NODELAY, true);
            } catch (IOException e) {
                closeQuietly(far);
                throw e;
            }
            splice(near, far, threads);
        } catch (IOException | RuntimeException e) {
            closeQuietly(near);
        }
    }

    private static String readLine(SocketChannel channel) throws IOException {
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (channel.read(one) < 0) {
                throw new IOException("closed before the target line ended");
            }
            char c = (char) one.get(0);
            if (c == '\n') {
                return line.toString();
            }
            line.append(c);
        }
    }

    // Reads and writes go to the channels themselves: Channels.newInputStream would hold the channel's
    // blocking lock while it waits, and so block the other direction's writes.
    private static void splice(SocketChannel a, SocketChannel b, ExecutorService threads) {
        threads.execute(() -> pump(a, b));
        threads.execute(() -> pump(b, a));
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
        } catch (IOException e) {
            // One side is gone: the connection ends for both.
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing is all that is left to do
        }
    }
}
