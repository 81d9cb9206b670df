package io.pgpacer.vip.linux;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The addresses that {@code ip -j addr show dev NIC} lists (iproute2's JSON output: an array of interfaces,
 * each with an {@code addr_info} array of {@code family}, {@code local} and {@code prefixlen}). Pure parsing.
 */
record IpAddrListing(List<Assigned> addresses) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One address on an interface. {@code family} is {@code inet} or {@code inet6}. */
    record Assigned(String nic, String family, String local, int prefixLength) {
        /** {@code local/prefixLength}, as {@code ip addr del} takes it. */
        String withPrefix() {
            return local + "/" + prefixLength;
        }
    }

    /**
     * @throws IllegalArgumentException if {@code json} is not iproute2's address listing
     */
    static IpAddrListing parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("expected a JSON array of interfaces, got: " + json.strip());
        }
        List<Assigned> addresses = new ArrayList<>();
        for (JsonNode link : root) {
            String nic = link.path("ifname").asText();
            for (JsonNode info : link.path("addr_info")) {
                if (!info.hasNonNull("local") || !info.path("prefixlen").canConvertToInt()) {
                    throw new IllegalArgumentException("an addr_info entry of " + nic + " has no local address or"
                            + " prefixlen: " + info);
                }
                addresses.add(new Assigned(nic, info.path("family").asText(), info.get("local").asText(),
                        info.get("prefixlen").asInt()));
            }
        }
        return new IpAddrListing(List.copyOf(addresses));
    }

    /** The entries whose address equals {@code address} (compared as addresses, so any IPv6 spelling matches). */
    List<Assigned> matching(InetAddress address) {
        return addresses.stream().filter(a -> a.local().contains(":")
                ? address.equals(ipv6(a.local()))
                : a.local().equals(address.getHostAddress())).toList();
    }

    private static InetAddress ipv6(String local) {
        try {
            // The brackets make the JDK parse a literal and never ask DNS.
            return InetAddress.getByName("[" + local + "]");
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
