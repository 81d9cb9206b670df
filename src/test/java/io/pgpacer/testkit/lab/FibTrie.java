package io.pgpacer.testkit.lab;

/**
 * Reads the kernel's {@code /proc/net/fib_trie}, the IPv4 routing tables of a network namespace, in which each
 * address assigned to an interface is a {@code /32 host LOCAL} entry. Pure parsing.
 */
final class FibTrie {

    private FibTrie() {
    }

    /** Whether {@code fibTrie} (the file's text) lists {@code address} as assigned to an interface of its namespace. */
    static boolean hasLocalAddress(String fibTrie, String address) {
        String[] lines = fibTrie.split("\n");
        String leaf = "|-- " + address;
        for (int i = 0; i + 1 < lines.length; i++) {
            // A leaf line "|-- ADDRESS" is followed by one line per route: "/32 host LOCAL" for an own address.
            if (lines[i].strip().equals(leaf)) {
                for (int j = i + 1; j < lines.length && lines[j].strip().startsWith("/"); j++) {
                    if (lines[j].strip().equals("/32 host LOCAL")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
