package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceKind;
import io.pgpacer.core.model.VipAddress;
import io.pgpacer.resource.OcfResult;
import io.pgpacer.vip.VipException;
import io.pgpacer.vip.VirtualIp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code ip} resource's OCF answers over an address held in memory (the {@code ip} adapter itself is tested in
 * the network-namespace lab).
 */
class IpResourceAgentTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final List<VipAddress> made = new ArrayList<>();

    /** An address on an imaginary interface. */
    private static final class MemoryVip implements VirtualIp {
        final VipAddress address;
        boolean present;
        String failure;

        MemoryVip(VipAddress address) {
            this.address = address;
        }

        @Override
        public VipAddress address() {
            return address;
        }

        @Override
        public void start() {
            if (failure != null) {
                throw new VipException(failure);
            }
            present = true;
        }

        @Override
        public void stop() {
            present = false;
        }

        @Override
        public boolean isPresent() {
            return present;
        }
    }

    private MemoryVip vip;

    private IpResourceAgent agent(Map<String, String> params, String defaultNic) {
        return IpResourceAgent.of(new Primitive("vip-extra", ResourceKind.IP, params, null, null), defaultNic, a -> {
            made.add(a);
            vip = new MemoryVip(a);
            return vip;
        });
    }

    @Test
    void startStopAndMonitorFollowTheAddress() {
        IpResourceAgent agent = agent(Map.of("ip", "198.18.0.50", "cidr_netmask", "24", "nic", "eth1"), "eth0");
        assertEquals(new VipAddress("198.18.0.50", 24, "eth1"), made.get(0), "the parameter's nic first");
        assertEquals(OcfResult.NOT_RUNNING, agent.monitor(TIMEOUT).rc());
        assertEquals(OcfResult.success(), agent.start(TIMEOUT));
        assertEquals(OcfResult.success(), agent.monitor(TIMEOUT));
        assertEquals(OcfResult.success(), agent.stop(TIMEOUT));
        assertEquals(OcfResult.NOT_RUNNING, agent.monitor(TIMEOUT).rc());
        assertEquals(OcfResult.success(), agent.stop(TIMEOUT), "idempotent");
    }

    @Test
    void theAgentsNicWhenTheResourceNamesNoneAndSlash32ByDefault() {
        agent(Map.of("ip", "198.18.0.51"), "eth0");
        assertEquals(new VipAddress("198.18.0.51", 32, "eth0"), made.get(0));
    }

    @Test
    void withoutAnyNicTheStartIsNotConfigured() {
        IpResourceAgent agent = agent(Map.of("ip", "198.18.0.52"), null);
        OcfResult start = agent.start(TIMEOUT);
        assertEquals(OcfResult.ERR_CONFIGURED, start.rc());
        assertTrue(start.exitReason().contains("nic=IFACE") && start.exitReason().contains("virtual-ips.nic"),
                start.exitReason());
        assertEquals(OcfResult.NOT_RUNNING, agent.monitor(TIMEOUT).rc(), "a probe counts no failure");
        assertEquals(OcfResult.success(), agent.stop(TIMEOUT));
    }

    @Test
    void anErrorOfIpIsAFailureWithItsMessage() {
        IpResourceAgent agent = agent(Map.of("ip", "198.18.0.53", "nic", "eth0"), null);
        vip.failure = "adding VIP 198.18.0.53/32 on eth0 failed: RTNETLINK answers: Operation not permitted";
        OcfResult start = agent.start(TIMEOUT);
        assertEquals(OcfResult.ERR_GENERIC, start.rc());
        assertTrue(start.exitReason().contains("Operation not permitted"), start.exitReason());
    }
}
