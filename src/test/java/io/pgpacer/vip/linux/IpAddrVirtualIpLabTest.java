package io.pgpacer.vip.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.lab.LabHost;
import io.pgpacer.testkit.lab.NetLab;
import io.pgpacer.core.model.VipAddress;
import io.pgpacer.vip.VipException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The IPaddr2-style adapter on real interfaces: hosts of the network-namespace lab. */
class IpAddrVirtualIpLabTest {
    private static final Duration SOON = Duration.ofSeconds(10);
    private static final VipAddress WRITER = new VipAddress(NetLab.address(100), NetLab.PREFIX_LENGTH, LabHost.NIC);

    @Test
    void addsAnnouncesMovesAndRemovesAnAddress() {
        try (NetLab lab = NetLab.start("db1", "db2", "client")) {
            LabHost db1 = lab.host("db1");
            LabHost db2 = lab.host("db2");
            LabHost client = lab.host("client");
            IpAddrVirtualIp onDb1 = new IpAddrVirtualIp(WRITER, db1.inNamespace(List.of()));
            IpAddrVirtualIp onDb2 = new IpAddrVirtualIp(WRITER, db2.inNamespace(List.of()));
            assertFalse(onDb1.isPresent());

            onDb1.start();
            assertTrue(onDb1.isPresent());
            onDb1.start();
            assertEquals(1, countOf(db1, "198.18.0.100/24"), "a second start adds nothing");
            Eventually.await("the client reaches the VIP on db1", SOON, () -> client.ping(WRITER.address()));
            assertEquals(db1.mac(), neighbourMac(client));

            onDb1.stop();
            onDb1.stop();
            assertFalse(onDb1.isPresent());
            onDb2.start();
            // The client sends nothing meanwhile: only db2's gratuitous ARP can have changed its entry.
            Eventually.await("the client's ARP entry for the VIP points at db2", SOON, () -> neighbourMac(client),
                    db2.mac()::equals);
            assertTrue(client.ping(WRITER.address()));

            onDb2.stop();
            assertFalse(onDb2.isPresent());
            assertEquals(0, countOf(db2, "198.18.0.100/24"));
        }
    }

    @Test
    void stopRemovesTheAddressWhateverPrefixItWasAddedWith() {
        try (NetLab lab = NetLab.start("db1")) {
            LabHost db1 = lab.host("db1");
            assertTrue(db1.run(SOON, "ip", "addr", "add", "198.18.0.100/32", "dev", LabHost.NIC).succeeded());
            IpAddrVirtualIp vip = new IpAddrVirtualIp(WRITER, db1.inNamespace(List.of()));
            assertTrue(vip.isPresent(), "present with another prefix length counts");

            vip.stop();
            assertFalse(vip.isPresent());
        }
    }

    @Test
    void handlesIpv6AddressesWithoutArp() {
        try (NetLab lab = NetLab.start("db1")) {
            LabHost db1 = lab.host("db1");
            IpAddrVirtualIp vip = new IpAddrVirtualIp(new VipAddress("2001:db8::100", 64, LabHost.NIC),
                    db1.inNamespace(List.of()));
            vip.start();
            vip.start();
            assertTrue(vip.isPresent());
            assertEquals(1, countOf(db1, "2001:db8::100/64"));
            vip.stop();
            assertFalse(vip.isPresent());
        }
    }

    @Test
    void failuresShowWhatIpSaidAndWhatToDo() {
        try (NetLab lab = NetLab.start("db1")) {
            LabHost db1 = lab.host("db1");
            List<String> unprivileged = new ArrayList<>(db1.inNamespace(List.of("setpriv", "--reuid=65534",
                    "--regid=65534", "--clear-groups", "--")));
            VipException denied = assertThrows(VipException.class,
                    () -> new IpAddrVirtualIp(WRITER, unprivileged).start());
            assertTrue(denied.getMessage().startsWith("adding VIP 198.18.0.100/24 on eth0 failed: " + String.join(" ",
                    unprivileged) + " ip -4 addr add 198.18.0.100/24 dev eth0 exited with status 2: RTNETLINK answers:"
                    + " Operation not permitted. VIP changes need root or CAP_NET_ADMIN"), denied.getMessage());

            IpAddrVirtualIp noSuchNic = new IpAddrVirtualIp(new VipAddress(WRITER.address(), 24, "eth9"),
                    db1.inNamespace(List.of()));
            VipException missing = assertThrows(VipException.class, noSuchNic::start);
            assertTrue(missing.getMessage().contains("ip -4 addr add 198.18.0.100/24 dev eth9 exited with status 1:"
                    + " Cannot find device \"eth9\""), missing.getMessage());
            VipException unknown = assertThrows(VipException.class, noSuchNic::isPresent);
            assertTrue(unknown.getMessage().endsWith("Device \"eth9\" does not exist."), unknown.getMessage());
        }
    }

    private static int countOf(LabHost host, String withPrefix) {
        String shown = host.run(SOON, "ip", "-o", "addr", "show", "dev", LabHost.NIC).output();
        return (int) shown.lines().filter(line -> line.contains(" " + withPrefix + " ")).count();
    }

    /** The link-layer address {@code host}'s neighbour table holds for the VIP, or "" if none. */
    private static String neighbourMac(LabHost host) {
        String[] words = host.run(SOON, "ip", "neigh", "show", WRITER.address()).output().strip().split("\\s+");
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals("lladdr")) {
                return words[i + 1];
            }
        }
        return "";
    }
}
