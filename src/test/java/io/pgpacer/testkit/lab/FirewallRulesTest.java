package io.pgpacer.testkit.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class FirewallRulesTest {

    @Test
    void dropIsolationDropsEverythingOnTheInterface() {
        assertEquals(List.of("-A PGPLAB-IN -i eth0 -j DROP", "-A PGPLAB-OUT -o eth0 -j DROP"),
                FirewallRules.isolate("eth0", Cut.DROP));
    }

    @Test
    void rejectIsolationRefusesButLetsItsOwnRefusalsOut() {
        assertEquals(List.of(
                "-A PGPLAB-OUT -o eth0 -p tcp --tcp-flags RST RST -j ACCEPT",
                "-A PGPLAB-OUT -o eth0 -p icmp --icmp-type destination-unreachable -j ACCEPT",
                "-A PGPLAB-IN -i eth0 -p tcp -j REJECT --reject-with tcp-reset",
                "-A PGPLAB-IN -i eth0 -j REJECT --reject-with icmp-port-unreachable",
                "-A PGPLAB-OUT -o eth0 -p tcp -j REJECT --reject-with tcp-reset",
                "-A PGPLAB-OUT -o eth0 -j REJECT --reject-with icmp-port-unreachable"),
                FirewallRules.isolate("eth0", Cut.REJECT));
    }

    @Test
    void aLinkCutMatchesThePeersLinkLayerAddress() {
        String from = "-A PGPLAB-IN -i eth0 -m mac --mac-source 02:70:67:00:00:02";
        assertEquals(List.of(from + " -j DROP"), FirewallRules.cutLink("eth0", "02:70:67:00:00:02", Cut.DROP));
        assertEquals(List.of(
                from + " -p tcp --tcp-flags RST RST -j ACCEPT",
                from + " -p icmp --icmp-type destination-unreachable -j ACCEPT",
                from + " -p tcp -j REJECT --reject-with tcp-reset",
                from + " -j REJECT --reject-with icmp-port-unreachable"),
                FirewallRules.cutLink("eth0", "02:70:67:00:00:02", Cut.REJECT));
    }

    @Test
    void aPortBlockDropsThatTcpPortBothWaysAndNothingElse() {
        assertEquals(List.of("-A PGPLAB-IN -i eth0 -p tcp --dport 7400 -j DROP",
                "-A PGPLAB-OUT -o eth0 -p tcp --dport 7400 -j DROP", "-A PGPLAB-IN -i eth0 -p tcp --sport 7400 -j DROP",
                "-A PGPLAB-OUT -o eth0 -p tcp --sport 7400 -j DROP"), FirewallRules.blockPort("eth0", 7400));
    }

    @Test
    void aPortCutMatchesThePeerAndThePortOnEitherSide() {
        String from = "-A PGPLAB-IN -i eth0 -m mac --mac-source 02:70:67:00:00:02 -p tcp";
        assertEquals(List.of(from + " --dport 5432 -j DROP", from + " --sport 5432 -j DROP"),
                FirewallRules.cutPort("eth0", "02:70:67:00:00:02", 5432, Cut.DROP));
        assertEquals(List.of(
                from + " --tcp-flags RST RST -j ACCEPT",
                from + " --dport 5432 -j REJECT --reject-with tcp-reset",
                from + " --sport 5432 -j REJECT --reject-with tcp-reset"),
                FirewallRules.cutPort("eth0", "02:70:67:00:00:02", 5432, Cut.REJECT));
    }

    @Test
    void undoDeletesTheRulesLastFirst() {
        assertEquals(List.of("-D PGPLAB-OUT -o eth0 -j DROP", "-D PGPLAB-IN -i eth0 -j DROP"),
                FirewallRules.undo(FirewallRules.isolate("eth0", Cut.DROP)));
    }

    @Test
    void rendersOneAtomicRestoreInput() {
        assertEquals("*filter\n:PGPLAB-IN - [0:0]\n:PGPLAB-OUT - [0:0]\n-A INPUT -j PGPLAB-IN\n-A OUTPUT -j PGPLAB-OUT\n"
                + "COMMIT\n", FirewallRules.restoreInput(FirewallRules.setup()));
        assertEquals("*filter\n-F PGPLAB-IN\n-F PGPLAB-OUT\nCOMMIT\n", FirewallRules.restoreInput(FirewallRules.healAll()));
    }
}
