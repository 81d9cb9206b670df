package io.pgpacer.api;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes a connection whose request has not arrived whole within the deadline of the connection's opening or of its
 * previous answer. The idle timeout alone cannot catch a client that sends its request a byte at a time (each byte
 * restarts it), and such clients would otherwise keep their sockets as long as they like. A request the agent is
 * answering is never cut: the deadline runs again from its answer.
 */
final class RequestDeadline implements Connection.Listener {

    private static final Duration SWEEP_EVERY = Duration.ofSeconds(1);

    private static final class Progress {
        volatile long sinceNanos = System.nanoTime();
        volatile boolean answering;
    }

    private final Duration deadline;
    private final Scheduler scheduler;
    private final Map<ConnectionMetaData, Progress> connections = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    RequestDeadline(Duration deadline, Scheduler scheduler) {
        this.deadline = deadline;
        this.scheduler = scheduler;
    }

    void start() {
        scheduler.schedule(this::sweep, SWEEP_EVERY);
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void onOpened(Connection connection) {
        // why only these: with TLS, the encrypting connection underneath carries no requests of its own.
        if (connection instanceof ConnectionMetaData http) {
            connections.put(http, new Progress());
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection instanceof ConnectionMetaData http) {
            connections.remove(http);
        }
    }

    /** The request's callback, which restarts the connection's deadline once the answer is sent. */
    Callback track(Request request, Callback callback) {
        Progress progress = connections.get(request.getConnectionMetaData());
        if (progress == null) {
            return callback;
        }
        return new Callback.Nested(callback) {
            @Override
            public void completed() {
                progress.sinceNanos = System.nanoTime();
                progress.answering = false;
            }
        };
    }

    /** Marks the request as arrived whole (head and body): from now on the agent is answering it. */
    void arrived(Request request) {
        Progress progress = connections.get(request.getConnectionMetaData());
        if (progress != null) {
            progress.answering = true;
        }
    }

    private void sweep() {
        if (stopped) {
            return;
        }
        long now = System.nanoTime();
        connections.forEach((connection, progress) -> {
            if (!progress.answering && now - progress.sinceNanos > deadline.toNanos()) {
                connections.remove(connection);
                connection.getConnection().getEndPoint().close();
            }
        });
        scheduler.schedule(this::sweep, SWEEP_EVERY);
    }
}
