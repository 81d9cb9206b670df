package io.pgpacer.os;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Whether this host lets a program listen on an address and port, asked of the OS before anything is created,
 * so that a daemon refuses a wrong address with the OS's reason instead of failing half-started.
 */
public final class PortBinding {

    /** Why the OS refused: the address is not one of this host's, or the OS said no for the port. */
    public enum Problem {
        NOT_A_LOCAL_ADDRESS, REFUSED
    }

    /** A refusal: its kind and the OS's words ({@code address already in use}, {@code permission denied}). */
    public record Refusal(Problem problem, String reason) {
    }

    private PortBinding() {
    }

    /**
     * Binds {@code address:port} and releases it at once.
     *
     * @return empty when the OS allowed it
     */
    public static Optional<Refusal> check(InetAddress address, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, port));
            return Optional.empty();
        } catch (IOException e) {
            // The OS decides (it may allow a non-local bind); its words say why, the interfaces say which kind.
            return Optional.of(new Refusal(isLocal(address) ? Problem.REFUSED : Problem.NOT_A_LOCAL_ADDRESS,
                    OsErrors.reason(e)));
        }
    }

    /** True for loopback, the wildcard and every address assigned to one of this host's interfaces. */
    public static boolean isLocal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    /** This host's addresses, loopback first, for a message that says which ones an agent could use. */
    public static List<String> localAddresses() {
        List<String> addresses = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (!address.isLinkLocalAddress()) {
                        addresses.add(text(address));
                    }
                }
            }
        } catch (SocketException e) {
            return List.of();
        }
        addresses.sort((a, b) -> Boolean.compare(!isLoopbackText(a), !isLoopbackText(b)));
        return addresses;
    }

    private static boolean isLoopbackText(String address) {
        return address.startsWith("127.") || address.equals("::1");
    }

    private static String text(InetAddress address) {
        String host = address.getHostAddress();
        int scope = host.indexOf('%');
        host = scope < 0 ? host : host.substring(0, scope);
        return address instanceof Inet6Address ? compressed(host) : host;
    }

    // 0:0:0:0:0:0:0:1 -> ::1, fd00:0:0:0:0:0:0:2 -> fd00::2 (RFC 5952: the longest run of zero groups).
    private static String compressed(String ipv6) {
        String[] groups = ipv6.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; i++) {
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
        }
        if (bestStart < 0) {
            return ipv6;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }
}
