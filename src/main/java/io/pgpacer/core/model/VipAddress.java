package io.pgpacer.core.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A virtual IP: an IPv4 or IPv6 address (a literal, never a host name), its prefix length and the network
 * interface that carries it. The constructor refuses bad input with one message naming the value and the fix.
 *
 * @param address the address as written, for example {@code 192.0.2.10} or {@code 2001:db8::10}
 * @param prefixLength the prefix length ("cidr_netmask"), 1..32 for IPv4 and 1..128 for IPv6
 * @param nic the interface name, for example {@code eth0}
 */
public record VipAddress(String address, int prefixLength, String nic) {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9A-Fa-f:.]+");
    /** Linux's limit (IFNAMSIZ less the terminating NUL). */
    private static final int MAX_NIC_LENGTH = 15;
    private static final String ADDRESS_FORMS = "write it as four numbers 0-255 (192.0.2.10) or in IPv6"
            + " notation (2001:db8::10), without a prefix length, zone or host name";

    /**
     * @throws IllegalArgumentException naming the bad value and how to write it
     */
    public VipAddress {
        parse(address);
        int maxPrefix = address.contains(":") ? 128 : 32;
        if (prefixLength < 1 || prefixLength > maxPrefix) {
            // why: /0 would make the VIP's connected route a default route on that interface.
            throw new IllegalArgumentException("VIP cidr " + prefixLength + " for " + address + " is out of range: an "
                    + (maxPrefix == 32 ? "IPv4" : "IPv6") + " prefix length is 1.." + maxPrefix + " (for example "
                    + (maxPrefix == 32 ? "24" : "64") + ", the prefix of the interface's subnet)");
        }
        checkNic(nic);
    }

    /** The parsed address, for comparisons (no name lookup happens). */
    public InetAddress inetAddress() {
        return parse(address);
    }

    public boolean isIpv6() {
        return address.contains(":");
    }

    /** {@code address/prefixLength}, as {@code ip addr} takes it. */
    public String withPrefix() {
        return address + "/" + prefixLength;
    }

    @Override
    public String toString() {
        return withPrefix() + " on " + nic;
    }

    private static InetAddress parse(String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("VIP address is empty: give an IPv4 address such as 192.0.2.10 or an"
                    + " IPv6 address such as 2001:db8::10");
        }
        if (address.contains("/")) {
            throw new IllegalArgumentException("VIP address '" + address + "' must not include a prefix length:"
                    + " give the address alone and the prefix length as cidr (for example address 192.0.2.10,"
                    + " cidr 24)");
        }
        InetAddress parsed = address.contains(":") ? parseIpv6(address) : parseIpv4(address);
        if (parsed.isAnyLocalAddress() || parsed.isMulticastAddress()) {
            throw new IllegalArgumentException("VIP address '" + address + "' cannot be a virtual IP: it is "
                    + (parsed.isAnyLocalAddress() ? "the unspecified address" : "a multicast address")
                    + "; choose a unicast address in the interface's subnet");
        }
        return parsed;
    }

    private static InetAddress parseIpv4(String address) {
        Matcher matcher = IPV4.matcher(address);
        if (!matcher.matches()) {
            throw invalid(address);
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String octet = matcher.group(i + 1);
            int value = Integer.parseInt(octet);
            // why: some tools read a leading zero as octal (010 = 8), so such an address is ambiguous.
            if (value > 255 || (octet.length() > 1 && octet.startsWith("0"))) {
                throw invalid(address);
            }
            bytes[i] = (byte) value;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }

    private static InetAddress parseIpv6(String address) {
        if (!IPV6_CHARACTERS.matcher(address).matches()) {
            throw invalid(address);
        }
        try {
            // The brackets make the JDK parse a literal and never ask DNS.
            return InetAddress.getByName("[" + address + "]");
        } catch (UnknownHostException e) {
            throw invalid(address);
        }
    }

    private static IllegalArgumentException invalid(String address) {
        return new IllegalArgumentException("VIP address '" + address + "' is not a valid IPv4 or IPv6 address: "
                + ADDRESS_FORMS);
    }

    private static void checkNic(String nic) {
        if (nic == null || nic.isBlank()) {
            throw new IllegalArgumentException("VIP nic is empty: name the network interface that carries the"
                    + " address, for example eth0 (see 'ip link')");
        }
        boolean valid = nic.length() <= MAX_NIC_LENGTH && !nic.equals(".") && !nic.equals("..")
                && !nic.startsWith("-") && nic.chars().noneMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c));
        if (!valid) {
            throw new IllegalArgumentException("VIP nic '" + nic + "' is not a valid interface name: use the name"
                    + " 'ip link' shows (at most " + MAX_NIC_LENGTH + " characters, no '/', ':' or spaces, not"
                    + " starting with '-'), for example eth0");
        }
    }
}
