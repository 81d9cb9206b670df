package io.pgpacer.testkit.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * The iptables rules of the lab's faults, rendered as {@code iptables-restore} input for one host's namespace.
 * Two chains of our own, hooked from INPUT and OUTPUT, hold every fault rule, so healing is flushing them.
 * Pure rendering; {@link LabHost} applies it.
 */
final class FirewallRules {
    static final String IN = "PGPLAB-IN";
    static final String OUT = "PGPLAB-OUT";

    private FirewallRules() {
    }

    /** Creates the two chains and hooks them in. */
    static List<String> setup() {
        return List.of(":" + IN + " - [0:0]", ":" + OUT + " - [0:0]", "-A INPUT -j " + IN, "-A OUTPUT -j " + OUT);
    }

    /** Removes every fault rule of the host. */
    static List<String> healAll() {
        return List.of("-F " + IN, "-F " + OUT);
    }

    /**
     * Cuts everything the host sends or receives on {@code nic} (loopback keeps working). With {@link
     * Cut#REJECT} the resets and port-unreachables that the rejections themselves produce are let out, so the
     * other hosts fail fast too.
     */
    static List<String> isolate(String nic, Cut cut) {
        List<String> rules = new ArrayList<>();
        if (cut == Cut.REJECT) {
            rules.add("-A " + OUT + " -o " + nic + " -p tcp --tcp-flags RST RST -j ACCEPT");
            rules.add("-A " + OUT + " -o " + nic + " -p icmp --icmp-type destination-unreachable -j ACCEPT");
        }
        rules.addAll(refuse("-A " + IN + " -i " + nic, cut));
        rules.addAll(refuse("-A " + OUT + " -o " + nic, cut));
        return rules;
    }

    /**
     * Cuts what arrives on {@code nic} from the interface with link-layer address {@code peerMac}; applied on
     * both ends, it cuts the link both ways whatever IP addresses (virtual IPs too) the two hosts hold. With
     * {@link Cut#REJECT} the peer's own rejections are let in, so both ends fail fast.
     */
    static List<String> cutLink(String nic, String peerMac, Cut cut) {
        String from = "-A " + IN + " -i " + nic + " -m mac --mac-source " + peerMac;
        List<String> rules = new ArrayList<>();
        if (cut == Cut.REJECT) {
            rules.add(from + " -p tcp --tcp-flags RST RST -j ACCEPT");
            rules.add(from + " -p icmp --icmp-type destination-unreachable -j ACCEPT");
        }
        rules.addAll(refuse(from, cut));
        return rules;
    }

    /**
     * Drops every TCP segment to or from {@code port} on {@code nic}, both ways: applied on every host, it cuts
     * one service (the Raft port, an agent's API) while everything else keeps working.
     */
    static List<String> blockPort(String nic, int port) {
        List<String> rules = new ArrayList<>();
        for (String direction : List.of("--dport", "--sport")) {
            rules.add("-A " + IN + " -i " + nic + " -p tcp " + direction + " " + port + " -j DROP");
            rules.add("-A " + OUT + " -o " + nic + " -p tcp " + direction + " " + port + " -j DROP");
        }
        return rules;
    }

    /**
     * Cuts only the TCP traffic to or from {@code port} that arrives on {@code nic} from the interface with
     * link-layer address {@code peerMac}, as {@link #cutLink} does for all of it: applied on both ends, it cuts
     * for example PostgreSQL's streaming between two hosts while their other traffic (Raft, the API) flows.
     */
    static List<String> cutPort(String nic, String peerMac, int port, Cut cut) {
        String from = "-A " + IN + " -i " + nic + " -m mac --mac-source " + peerMac + " -p tcp";
        List<String> rules = new ArrayList<>();
        if (cut == Cut.REJECT) {
            rules.add(from + " --tcp-flags RST RST -j ACCEPT");
        }
        String refuse = cut == Cut.DROP ? " -j DROP" : " -j REJECT --reject-with tcp-reset";
        rules.add(from + " --dport " + port + refuse);
        rules.add(from + " --sport " + port + refuse);
        return rules;
    }

    /** The rules that undo {@code appended}: each {@code -A} turned into a {@code -D}, last first. */
    static List<String> undo(List<String> appended) {
        List<String> deletions = new ArrayList<>();
        for (String rule : appended) {
            deletions.add(0, "-D" + rule.substring(2));
        }
        return deletions;
    }

    /** {@code rules} as one atomic {@code iptables-restore --noflush} input for the filter table. */
    static String restoreInput(List<String> rules) {
        return "*filter\n" + String.join("\n", rules) + "\nCOMMIT\n";
    }

    private static List<String> refuse(String match, Cut cut) {
        return switch (cut) {
            case DROP -> List.of(match + " -j DROP");
            case REJECT -> List.of(match + " -p tcp -j REJECT --reject-with tcp-reset",
                    match + " -j REJECT --reject-with icmp-port-unreachable");
        };
    }
}
