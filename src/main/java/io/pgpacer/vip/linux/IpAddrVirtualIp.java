package io.pgpacer.vip.linux;

import io.pgpacer.os.ProgramException;
import io.pgpacer.os.ProgramRunner;
import io.pgpacer.core.model.VipAddress;
import io.pgpacer.vip.VipException;
import io.pgpacer.vip.VirtualIp;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link VirtualIp} on a Linux interface, as Pacemaker's IPaddr2 does it: {@code ip addr add} and
 * {@code ip addr del}, then for IPv4 one gratuitous ARP from iputils' {@code arping -U}, not waited for (it
 * sends at once, then waits one interval before it exits). Java cannot send a raw ARP frame without native code, and
 * arping is small, packaged everywhere, and what operators already use to debug ARP. IPv6 addresses are added
 * with {@code nodad}, so they are usable at once; neighbours learn their new link-layer address through
 * ordinary neighbour discovery (no unsolicited advertisement is sent).
 *
 * <p>Changing addresses needs root or CAP_NET_ADMIN (arping also needs CAP_NET_RAW, which Debian's package gives
 * it as a file capability).
 */
public final class IpAddrVirtualIp implements VirtualIp {
    private static final Logger LOG = LoggerFactory.getLogger(IpAddrVirtualIp.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final String PRIVILEGES_HINT = "VIP changes need root or CAP_NET_ADMIN (and CAP_NET_RAW for the"
            + " gratuitous ARP): run the agent as root, or grant it those capabilities (systemd:"
            + " AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW)";

    private final VipAddress address;
    private final List<String> wrapper;

    /** Runs {@code ip} and {@code arping} in this host's own network namespace. */
    public IpAddrVirtualIp(VipAddress address) {
        this(address, List.of());
    }

    /**
     * @param wrapper words put before every command, for example {@code ip netns exec NAME} to act inside a
     *        network namespace
     */
    public IpAddrVirtualIp(VipAddress address, List<String> wrapper) {
        this.address = address;
        this.wrapper = List.copyOf(wrapper);
    }

    @Override
    public VipAddress address() {
        return address;
    }

    @Override
    public void start() {
        List<String> add = new ArrayList<>(List.of("ip", address.isIpv6() ? "-6" : "-4", "addr", "add",
                address.withPrefix(), "dev", address.nic()));
        if (address.isIpv6()) {
            add.add("nodad");
        }
        String what = "adding VIP " + address;
        ProgramRunner.Result added = run(what, add, "iproute2");
        // why: "already there" is success; asking again (not parsing the error text) also covers a race.
        if (!added.succeeded() && !presentAfter(what, added)) {
            throw failure(what, added);
        }
        if (!address.isIpv6()) {
            announce();
        }
    }

    // arping sends its packet at once but then waits a whole interval before it exits; the address is usable
    // already, so the agent does not wait for it. A failure is logged: neighbours then keep sending to the
    // previous holder until their ARP entries expire.
    private void announce() {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of("arping", "-U", "-c", "1", "-I", address.nic(), address.address()));
        Process arping;
        try {
            arping = ProgramRunner.builder(command, Map.of()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new VipException(address + " is on " + address.nic() + ", but its gratuitous ARP could not be sent:"
                    + " could not run " + String.join(" ", command) + ": " + e.getMessage()
                    + " (is iputils-arping (RHEL: iputils) installed?)", e);
        }
        arping.onExit().thenAccept(done -> {
            if (done.exitValue() != 0) {
                String output;
                try {
                    output = new String(done.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                } catch (IOException e) {
                    output = "(output unreadable: " + e.getMessage() + ")";
                }
                ProgramRunner.Result arp = new ProgramRunner.Result(String.join(" ", command), done.exitValue(), output);
                LOG.warn(address + " is on " + address.nic() + ", but its gratuitous ARP failed, so neighbours may keep"
                        + " sending to the previous holder until their ARP entries expire: " + describe(arp)
                        + hintFor(arp));
            }
        });
    }

    @Override
    public void stop() {
        String what = "removing VIP " + address;
        for (IpAddrListing.Assigned assigned : assigned()) {
            ProgramRunner.Result deleted = run(what, List.of("ip", "addr", "del", assigned.withPrefix(), "dev",
                    address.nic()), "iproute2");
            if (!deleted.succeeded() && presentAfter(what, deleted)) {
                throw failure(what, deleted);
            }
        }
    }

    @Override
    public boolean isPresent() {
        return !assigned().isEmpty();
    }

    /** Whether the address is present after {@code failed}; if that cannot be told, {@code failed} is the error. */
    private boolean presentAfter(String what, ProgramRunner.Result failed) {
        try {
            return isPresent();
        } catch (VipException e) {
            VipException failure = failure(what, failed);
            failure.addSuppressed(e);
            throw failure;
        }
    }

    private List<IpAddrListing.Assigned> assigned() {
        String what = "checking VIP " + address;
        ProgramRunner.Result listed = run(what, List.of("ip", "-j", "addr", "show", "dev", address.nic()), "iproute2");
        if (!listed.succeeded()) {
            throw failure(what, listed);
        }
        try {
            return IpAddrListing.parse(listed.output()).matching(address.inetAddress());
        } catch (IllegalArgumentException e) {
            throw new VipException(what + " failed: could not read the output of " + listed.commandLine() + ": "
                    + e.getMessage(), e);
        }
    }

    private ProgramRunner.Result run(String what, List<String> program, String packageName) {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(program);
        try {
            return ProgramRunner.run(what, command, Map.of(), COMMAND_TIMEOUT);
        } catch (ProgramException e) {
            String hint = e.getCause() instanceof IOException ? " (is " + packageName + " installed?)" : "";
            throw new VipException(e.getMessage() + hint, e);
        }
    }

    private static VipException failure(String what, ProgramRunner.Result result) {
        return new VipException(what + " failed: " + describe(result) + hintFor(result));
    }

    private static String describe(ProgramRunner.Result result) {
        return result.commandLine() + " exited with status " + result.exitCode() + ": " + result.outputTail();
    }

    private static String hintFor(ProgramRunner.Result result) {
        String output = result.output();
        return output.contains("Operation not permitted") || output.contains("Permission denied")
                ? ". " + PRIVILEGES_HINT : "";
    }
}
