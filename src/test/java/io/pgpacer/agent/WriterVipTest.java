package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.core.model.VipAddress;
import io.pgpacer.vip.VirtualIp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The writer VIP's bookkeeping against an address held in memory (the real {@code ip} adapter is tested in the
 * lab): present only under a valid lease, and no {@code ip} call on a node that already removed it.
 */
class WriterVipTest {

    /** An address on an imaginary interface that records every call. */
    private static final class RecordedVip implements VirtualIp {
        boolean present;
        final List<String> calls = new ArrayList<>();
        Runnable duringStart = () -> { };

        @Override
        public VipAddress address() {
            return new VipAddress("198.18.0.100", 24, "eth0");
        }

        @Override
        public void start() {
            calls.add("start");
            duringStart.run();
            present = true;
        }

        @Override
        public void stop() {
            calls.add("stop");
            present = false;
        }

        @Override
        public boolean isPresent() {
            calls.add("check");
            return present;
        }
    }

    @Test
    void aNodeThatRemovedTheAddressAsksNoMoreUntilItClaimsItAgain() {
        RecordedVip vip = new RecordedVip();
        vip.present = true;
        WriterVip writer = new WriterVip(vip);
        assertEquals("writer VIP 198.18.0.100/24 on eth0 stopped", writer.release());
        assertNull(writer.release());
        assertNull(writer.release());
        assertEquals(List.of("check", "stop"), vip.calls, "released once, then nothing to ask");

        assertEquals("writer VIP 198.18.0.100/24 on eth0 started", writer.claim(() -> true));
        assertTrue(vip.present);
        assertEquals("writer VIP 198.18.0.100/24 on eth0 stopped", writer.release());
    }

    @Test
    void withoutAValidLeaseNothingIsClaimed() {
        RecordedVip vip = new RecordedVip();
        assertNull(new WriterVip(vip).claim(() -> false));
        assertEquals(List.of(), vip.calls);
    }

    @Test
    void aFenceDuringAClaimLeavesTheAddressAbsent() {
        RecordedVip vip = new RecordedVip();
        WriterVip writer = new WriterVip(vip);
        writer.release();
        AtomicBoolean leaseValid = new AtomicBoolean(true);
        // The lease keeper fences while the address is being added: the lease is gone, and its release runs first.
        vip.duringStart = () -> {
            leaseValid.set(false);
            writer.release();
        };
        assertEquals("writer VIP 198.18.0.100/24 on eth0 not kept: the lease ended meanwhile",
                writer.claim(leaseValid::get));
        assertFalse(vip.present);
    }
}
