package io.pgpacer.testkit.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FibTrieTest {
    // /proc/net/fib_trie of a lab host holding 198.18.0.100 besides its own 198.18.0.11 (the Local table).
    private static final String HOLDER = """
            Local:
              +-- 0.0.0.0/0 2 0 2
                 +-- 127.0.0.0/8 2 0 2
                    |-- 127.0.0.1
                       /32 host LOCAL
                 +-- 198.18.0.0/24 2 0 1
                    +-- 198.18.0.0/28 2 0 2
                       |-- 198.18.0.0
                          /24 link UNICAST
                       |-- 198.18.0.11
                          /32 host LOCAL
                    |-- 198.18.0.100
                       /32 host LOCAL
                    |-- 198.18.0.255
                       /32 link BROADCAST
            """;

    @Test
    void anAddressOfTheHostIsAHostLocalLeaf() {
        assertTrue(FibTrie.hasLocalAddress(HOLDER, "198.18.0.100"));
        assertTrue(FibTrie.hasLocalAddress(HOLDER, "198.18.0.11"));
    }

    @Test
    void routesAndOtherAddressesAreNot() {
        assertFalse(FibTrie.hasLocalAddress(HOLDER, "198.18.0.255"), "a broadcast route");
        assertFalse(FibTrie.hasLocalAddress(HOLDER, "198.18.0.0"), "the subnet's route");
        assertFalse(FibTrie.hasLocalAddress(HOLDER, "198.18.0.10"), "a prefix of another address");
        String released = HOLDER.replaceAll("(?m)^ *\\|-- 198\\.18\\.0\\.100\n */32 host LOCAL\n", "");
        assertFalse(FibTrie.hasLocalAddress(released, "198.18.0.100"), "after ip addr del: " + released);
    }
}
