package io.pgpacer.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FreePortsTest {

    private final String blockBefore = System.getProperty(FreePorts.BLOCK_PROPERTY);

    @AfterEach
    void restoreBlock() {
        if (blockBefore == null) {
            System.clearProperty(FreePorts.BLOCK_PROPERTY);
        } else {
            System.setProperty(FreePorts.BLOCK_PROPERTY, blockBefore);
        }
    }

    @Test
    void aBlockHandsOutDistinctPortsOfItsOwnThatNobodyListensOn() throws IOException {
        System.setProperty(FreePorts.BLOCK_PROPERTY, "4");
        int start = 16000 + 3 * FreePorts.BLOCK_SIZE;
        Set<Integer> ports = new HashSet<>();
        try (ServerSocket taken = new ServerSocket(0)) {
            for (int i = 0; i < 50; i++) {
                int port = FreePorts.next();
                assertTrue(port >= start && port < start + FreePorts.BLOCK_SIZE, port + " is outside block 4");
                assertTrue(ports.add(port), port + " handed out twice");
                assertTrue(port != taken.getLocalPort());
                new ServerSocket(port).close();
            }
        }
    }

    @Test
    void withoutABlockTheKernelPicksAndNoPortComesTwice() {
        System.clearProperty(FreePorts.BLOCK_PROPERTY);
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            assertTrue(ports.add(FreePorts.next()), "a port handed out twice: " + ports);
        }
    }

    @Test
    void aBlockThatIsNoBlockNumberIsNamed() {
        System.setProperty(FreePorts.BLOCK_PROPERTY, "9");
        IllegalStateException e = assertThrows(IllegalStateException.class, FreePorts::next);
        assertEquals("pgpacer.port-block must be a whole number from 1 to 4, got '9'", e.getMessage());
    }
}
