package io.pgpacer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VipAddressTest {

    @Test
    void acceptsIpv4AndIpv6Literals() throws Exception {
        VipAddress v4 = new VipAddress("192.0.2.10", 24, "eth0");
        assertEquals("192.0.2.10/24", v4.withPrefix());
        assertEquals("192.0.2.10/24 on eth0", v4.toString());
        assertFalse(v4.isIpv6());
        assertEquals(InetAddress.getByName("192.0.2.10"), v4.inetAddress());

        VipAddress v6 = new VipAddress("2001:db8::10", 128, "bond0.100");
        assertTrue(v6.isIpv6());
        assertEquals(InetAddress.getByName("2001:db8:0:0:0:0:0:10"), v6.inetAddress());
        new VipAddress("10.0.0.1", 32, "enp0s31f6");
        new VipAddress("198.18.0.100", 1, "veth-a_b.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"300.1.2.3", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 ", "db1.example.com", "localhost",
            "2001:db8::g", "2001:db8:::1", "fe80::1%eth0", "[2001:db8::1]", "1.2.3.-4"})
    void refusesWhatIsNotAnAddressLiteral(String address) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VipAddress(address, 24, "eth0"));
        assertEquals("VIP address '" + address + "' is not a valid IPv4 or IPv6 address: write it as four numbers"
                + " 0-255 (192.0.2.10) or in IPv6 notation (2001:db8::10), without a prefix length, zone or host name",
                e.getMessage());
    }

    @Test
    void refusesEmptyAddressesPrefixesInTheAddressAndNonUnicast() {
        assertEquals("VIP address is empty: give an IPv4 address such as 192.0.2.10 or an IPv6 address such as"
                + " 2001:db8::10", message("", 24, "eth0"));
        assertEquals(message("", 24, "eth0"), message(null, 24, "eth0"));
        assertEquals("VIP address '10.0.0.5/24' must not include a prefix length: give the address alone and the"
                + " prefix length as cidr (for example address 192.0.2.10, cidr 24)", message("10.0.0.5/24", 24, "eth0"));
        assertEquals("VIP address '0.0.0.0' cannot be a virtual IP: it is the unspecified address; choose a unicast"
                + " address in the interface's subnet", message("0.0.0.0", 24, "eth0"));
        assertTrue(message("::", 64, "eth0").contains("the unspecified address"));
        assertTrue(message("224.0.0.18", 24, "eth0").contains("'224.0.0.18' cannot be a virtual IP: it is a multicast"));
        assertTrue(message("ff02::1", 64, "eth0").contains("multicast"));
    }

    @ParameterizedTest
    @CsvSource({"192.0.2.10, 0, IPv4, 32", "192.0.2.10, 33, IPv4, 32", "192.0.2.10, -1, IPv4, 32",
            "2001:db8::10, 0, IPv6, 128", "2001:db8::10, 129, IPv6, 128"})
    void refusesPrefixLengthsOutOfRange(String address, int cidr, String family, int max) {
        assertEquals("VIP cidr " + cidr + " for " + address + " is out of range: an " + family + " prefix length is 1.."
                + max + " (for example " + (max == 32 ? "24" : "64") + ", the prefix of the interface's subnet)",
                message(address, cidr, "eth0"));
    }

    @Test
    void refusesEmptyOrImpossibleInterfaceNames() {
        String empty = "VIP nic is empty: name the network interface that carries the address, for example eth0"
                + " (see 'ip link')";
        assertEquals(empty, message("192.0.2.10", 24, ""));
        assertEquals(empty, message("192.0.2.10", 24, " "));
        assertEquals(empty, message("192.0.2.10", 24, null));
        for (String nic : new String[] {"eth 0", "eth0/1", "eth0:1", "-eth0", ".", "..", "abcdefghijklmnop"}) {
            assertEquals("VIP nic '" + nic + "' is not a valid interface name: use the name 'ip link' shows (at most 15"
                    + " characters, no '/', ':' or spaces, not starting with '-'), for example eth0",
                    message("192.0.2.10", 24, nic));
        }
        new VipAddress("192.0.2.10", 24, "abcdefghijklmno");
    }

    private static String message(String address, int cidr, String nic) {
        return assertThrows(IllegalArgumentException.class, () -> new VipAddress(address, cidr, nic)).getMessage();
    }
}
