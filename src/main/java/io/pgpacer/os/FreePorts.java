package io.pgpacer.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports for agents, PostgreSQL and stores that run on one machine (the demo cluster, the tests), never the
 * same port twice from one JVM. Without {@value #BLOCK_PROPERTY}, the kernel picks a free port, which another process
 * that probes at the same moment may be given too before either binds it. JVMs that run side by side (the build's
 * parallel test forks) therefore each set {@value #BLOCK_PROPERTY} to a number of their own, 1 to {@value #BLOCKS},
 * and take ports from a block of {@value #BLOCK_SIZE} below the kernel's ephemeral range (32768 on), which no other
 * of them uses and from which the kernel never picks a port by itself.
 */
public final class FreePorts {
    /** The system property that names this JVM's block of ports. */
    public static final String BLOCK_PROPERTY = "pgpacer.port-block";
    static final int BLOCKS = 4;
    static final int BLOCK_SIZE = 4000;
    private static final int FIRST_BLOCK_START = 16000;

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger BLOCK_CURSOR = new AtomicInteger();

    private FreePorts() {
    }

    /**
     * A port that nothing on this machine listens on now and that this JVM has not handed out before.
     *
     * @throws IllegalStateException if {@value #BLOCK_PROPERTY} is not a block number, or its block is used up
     */
    public static int next() {
        String block = System.getProperty(BLOCK_PROPERTY);
        return block == null || block.isBlank() ? fromKernel() : fromBlock(block.strip());
    }

    private static int fromKernel() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("no free TCP port: " + OsErrors.reason(e), e);
            }
        }
    }

    private static int fromBlock(String block) {
        int number;
        try {
            number = Integer.parseInt(block);
        } catch (NumberFormatException e) {
            number = 0;
        }
        if (number < 1 || number > BLOCKS) {
            throw new IllegalStateException(BLOCK_PROPERTY + " must be a whole number from 1 to " + BLOCKS
                    + ", got '" + block + "'");
        }
        int start = FIRST_BLOCK_START + (number - 1) * BLOCK_SIZE;
        for (int tried = 0; tried < BLOCK_SIZE; tried++) {
            int port = start + Math.floorMod(BLOCK_CURSOR.getAndIncrement(), BLOCK_SIZE);
            if (!HANDED_OUT.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free TCP port left in block " + number + " (ports " + start + " to "
                + (start + BLOCK_SIZE - 1) + ")");
    }

    // Bound on every address, as the wildcard is the widest claim: a port free there is free on loopback too.
    private static boolean bindable(int port) {
        try {
            new ServerSocket(port).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
