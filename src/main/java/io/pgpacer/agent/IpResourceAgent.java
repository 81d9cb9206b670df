package io.pgpacer.agent;

import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.model.VipAddress;
import io.pgpacer.resource.OcfResult;
import io.pgpacer.resource.ResourceAgent;
import io.pgpacer.vip.VipException;
import io.pgpacer.vip.VirtualIp;
import java.time.Duration;
import java.util.function.Function;

/**
 * The {@code ip} resource with IPaddr2 semantics: start adds the address and sends a gratuitous ARP, stop removes
 * it, monitor says whether it is on its interface. It lives in the agent, where the vip and resource adapters
 * meet: adapters never import each other. The {@code ip} commands have their own short timeout, so the
 * operation's timeout is not applied again. A resource whose interface is known neither from its {@code nic}
 * parameter nor from the agent's {@code virtual-ips.nic} fails every operation with "not configured" (rc 6).
 */
public final class IpResourceAgent implements ResourceAgent {

    private final VirtualIp vip;
    private final String notConfigured;

    private IpResourceAgent(VirtualIp vip, String notConfigured) {
        this.vip = vip;
        this.notConfigured = notConfigured;
    }

    /** The agent for {@code vip}. */
    public static IpResourceAgent of(VirtualIp vip) {
        return new IpResourceAgent(vip, null);
    }

    /**
     * The agent for an {@code ip} primitive.
     *
     * @param defaultNic the agent configuration's {@code virtual-ips.nic}, or null
     * @param virtualIps how an address becomes a {@link VirtualIp} ({@code IpAddrVirtualIp} on a real host)
     */
    public static IpResourceAgent of(Primitive primitive, String defaultNic, Function<VipAddress, VirtualIp> virtualIps) {
        String nic = primitive.param("nic").filter(n -> !n.isBlank()).orElse(defaultNic);
        if (nic == null || nic.isBlank()) {
            return new IpResourceAgent(null, "resource '" + primitive.id() + "' names no interface: give it the"
                    + " parameter nic=IFACE, or set virtual-ips.nic in the agent's configuration");
        }
        try {
            int prefix = Integer.parseInt(primitive.param("cidr_netmask").orElse("32").trim());
            return new IpResourceAgent(virtualIps.apply(new VipAddress(primitive.param("ip").orElse("").trim(),
                    prefix, nic)), null);
        } catch (IllegalArgumentException e) {
            return new IpResourceAgent(null, "resource '" + primitive.id() + "': " + e.getMessage());
        }
    }

    @Override
    public OcfResult start(Duration timeout) {
        if (vip == null) {
            return OcfResult.failed(OcfResult.ERR_CONFIGURED, notConfigured);
        }
        try {
            vip.start();
            return OcfResult.success();
        } catch (VipException e) {
            return OcfResult.failed(OcfResult.ERR_GENERIC, e.getMessage());
        }
    }

    @Override
    public OcfResult stop(Duration timeout) {
        if (vip == null) {
            // why success: an address that was never configured cannot be on any interface.
            return OcfResult.success();
        }
        try {
            vip.stop();
            return OcfResult.success();
        } catch (VipException e) {
            return OcfResult.failed(OcfResult.ERR_GENERIC, e.getMessage());
        }
    }

    @Override
    public OcfResult monitor(Duration timeout) {
        if (vip == null) {
            // why not a failure: a probe on every node would count one there; the start says what is missing.
            return OcfResult.notRunning(notConfigured);
        }
        try {
            return vip.isPresent() ? OcfResult.success()
                    : OcfResult.notRunning(vip.address() + " is not on " + vip.address().nic());
        } catch (VipException e) {
            return OcfResult.failed(OcfResult.ERR_GENERIC, e.getMessage());
        }
    }
}
