package io.pgpacer.vip.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpAddrListingTest {
    /** What iproute2 6.1 printed for {@code ip -j addr show dev eth0} in a lab host holding a VIP. */
    private static final String SHOWN = """
            [{"ifindex":2,"link_index":5,"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],\
            "mtu":1500,"qdisc":"noqueue","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether",\
            "address":"8a:5f:6f:39:68:79","broadcast":"ff:ff:ff:ff:ff:ff","link_netnsid":0,"addr_info":[\
            {"family":"inet","local":"198.18.0.13","prefixlen":24,"scope":"global","label":"eth0",\
            "valid_life_time":4294967295,"preferred_life_time":4294967295},\
            {"family":"inet","local":"198.18.0.100","prefixlen":24,"scope":"global","secondary":true,"label":"eth0",\
            "valid_life_time":4294967295,"preferred_life_time":4294967295},\
            {"family":"inet6","local":"2001:db8::10","prefixlen":64,"scope":"global","nodad":true,\
            "valid_life_time":4294967295,"preferred_life_time":4294967295},\
            {"family":"inet6","local":"fe80::885f:6fff:fe39:6879","prefixlen":64,"scope":"link","tentative":true,\
            "valid_life_time":4294967295,"preferred_life_time":4294967295}]}]
            """;

    @Test
    void readsEveryAddressOfTheInterface() {
        IpAddrListing listing = IpAddrListing.parse(SHOWN);
        assertEquals(List.of(
                new IpAddrListing.Assigned("eth0", "inet", "198.18.0.13", 24),
                new IpAddrListing.Assigned("eth0", "inet", "198.18.0.100", 24),
                new IpAddrListing.Assigned("eth0", "inet6", "2001:db8::10", 64),
                new IpAddrListing.Assigned("eth0", "inet6", "fe80::885f:6fff:fe39:6879", 64)), listing.addresses());
        assertEquals("198.18.0.100/24", listing.addresses().get(1).withPrefix());
    }

    @Test
    void findsAnAddressWhateverItsSpelling() throws Exception {
        IpAddrListing listing = IpAddrListing.parse(SHOWN);
        assertEquals("198.18.0.100", listing.matching(InetAddress.getByName("198.18.0.100")).get(0).local());
        assertEquals("2001:db8::10", listing.matching(InetAddress.getByName("2001:0db8:0:0::0010")).get(0).local());
        assertEquals(List.of(), listing.matching(InetAddress.getByName("198.18.0.10")));
        assertEquals(List.of(), listing.matching(InetAddress.getByName("2001:db8::1")));
    }

    @Test
    void findsTheSameAddressWithEveryPrefixItWasAddedWith() throws Exception {
        String twice = """
                [{"ifname":"eth0","addr_info":[{"family":"inet","local":"192.0.2.10","prefixlen":32},\
                {"family":"inet","local":"192.0.2.10","prefixlen":24}]}]""";
        assertEquals(2, IpAddrListing.parse(twice).matching(InetAddress.getByName("192.0.2.10")).size());
    }

    @Test
    void anInterfaceWithoutAddressesHasNone() {
        assertEquals(List.of(), IpAddrListing.parse("[{\"ifname\":\"eth0\",\"addr_info\":[]}]").addresses());
        assertEquals(List.of(), IpAddrListing.parse("[{\"ifname\":\"eth0\"}]").addresses());
        assertEquals(List.of(), IpAddrListing.parse("[]").addresses());
    }

    @Test
    void refusesWhatIsNotAnAddressListing() {
        assertTrue(message("Device \"eth9\" does not exist.").startsWith("not JSON: "));
        assertEquals("expected a JSON array of interfaces, got: {\"ifname\":\"eth0\"}", message("{\"ifname\":\"eth0\"}"));
        assertEquals("an addr_info entry of eth0 has no local address or prefixlen: {\"family\":\"inet\"}",
                message("[{\"ifname\":\"eth0\",\"addr_info\":[{\"family\":\"inet\"}]}]"));
    }

    private static String message(String json) {
        return assertThrows(IllegalArgumentException.class, () -> IpAddrListing.parse(json)).getMessage();
    }
}
