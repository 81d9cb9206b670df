package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.Lease;
import io.pgpacer.core.cib.PgState;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Table of a member's answer to a failsafe ping from db1, and the promise that goes with a confirmation. */
class FailsafeCheckTest {

    /** db2 (a standby) cut off from the store, seeing db1 hold generation 4: it confirms. */
    private static FailsafeCheck.Facts standby() {
        return new FailsafeCheck.Facts("db2", "db1", 4, true, true, false, PgState.STANDBY, false, false,
                new Lease("db1", 4, 17));
    }

    private static String answer(FailsafeCheck.Facts facts) {
        FailsafeCheck.Answer a = FailsafeCheck.decide(facts);
        return (a.confirmed() ? "confirm: " : "refuse: ") + a.reason();
    }

    @Test
    void table() {
        FailsafeCheck.Facts s = standby();
        assertEquals("confirm: db2 is cut off from the store too and sees no other primary", answer(s));
        assertEquals("confirm: db2 is cut off from the store too and sees no other primary",
                answer(new FailsafeCheck.Facts("db2", "db1", 4, true, true, false, PgState.STOPPED, false, false,
                        Lease.FREE)), "a free lease in the local copy (it lags) is no other primary");
        assertEquals("confirm: witness is cut off from the store too and sees no other primary",
                answer(new FailsafeCheck.Facts("witness", "db1", 4, true, true, false, null, true, false,
                        s.localLease())), "a witness runs no PostgreSQL: only the CIB check");
        assertEquals("refuse: failsafe is off in this member's cluster settings",
                answer(new FailsafeCheck.Facts("db2", "db1", 4, false, true, false, PgState.STANDBY, false, false,
                        s.localLease())));
        assertEquals("refuse: db2 reaches the store: the store decides, not failsafe",
                answer(new FailsafeCheck.Facts("db2", "db1", 4, true, true, true, PgState.STANDBY, false, false,
                        s.localLease())));
        assertEquals("refuse: db2 runs a writable PostgreSQL (not in recovery)",
                answer(new FailsafeCheck.Facts("db2", "db1", 4, true, true, false, PgState.PRIMARY, false, false,
                        s.localLease())));
        assertEquals("refuse: db2 has not observed its own PostgreSQL yet",
                answer(new FailsafeCheck.Facts("db2", "db1", 4, true, true, false, null, false, false,
                        s.localLease())));
        assertEquals("refuse: db2 holds a primary lease itself",
                answer(new FailsafeCheck.Facts("db2", "db1", 4, true, true, false, PgState.STANDBY, false, true,
                        s.localLease())));
        assertEquals("refuse: db2 sees db3 holding the lease (generation 5)",
                answer(new FailsafeCheck.Facts("db2", "db1", 4, true, true, false, PgState.STANDBY, false, false,
                        new Lease("db3", 5, 0))));
        assertEquals("refuse: db2 sees db1 holding a later lease generation 6 than 4",
                answer(new FailsafeCheck.Facts("db2", "db1", 4, true, true, false, PgState.STANDBY, false, false,
                        new Lease("db1", 6, 0))));
        assertEquals("refuse: witness is not a data node of this cluster",
                answer(new FailsafeCheck.Facts("db2", "witness", 4, true, false, false, PgState.STANDBY, false,
                        false, s.localLease())));
        assertEquals("refuse: a failsafe ping must come from another node, not from db2",
                answer(new FailsafeCheck.Facts("db2", "db2", 4, true, true, false, PgState.STANDBY, false, false,
                        s.localLease())));
    }

    @Test
    void aConfirmationIsAPromiseNotToTakeTheLeaseForALeaseTimeFromTheAnswer() {
        AtomicLong clock = new AtomicLong(10_000);
        FailsafePromise promise = new FailsafePromise(clock::get);
        assertEquals(null, promise.tryBeginAcquire(), "no promise yet");
        promise.endAcquire();
        FailsafeCheck.Answer refused = FailsafeCheck.Answer.refuse("no");
        assertEquals(refused, promise.promise(refused, "db1", 3_000));
        assertEquals(null, promise.tryBeginAcquire(), "a refusal promises nothing");
        promise.endAcquire();

        FailsafeCheck.Answer yes = FailsafeCheck.decide(standby());
        assertEquals(yes, promise.promise(yes, "db1", 3_000));
        clock.set(12_999);
        assertEquals("not acquiring the primary lease: promised db1 during failsafe (the store was unreachable) to"
                + " leave it the lease for another 1 ms", promise.tryBeginAcquire());
        clock.set(13_000);
        assertEquals(null, promise.tryBeginAcquire(), "the promise ran out a lease time after the answer");
    }

    @Test
    void aMemberThatIsAcquiringTheLeaseDoesNotConfirm() {
        FailsafePromise promise = new FailsafePromise(() -> 0);
        assertEquals(null, promise.tryBeginAcquire());
        FailsafeCheck.Answer answer = promise.promise(FailsafeCheck.decide(standby()), "db1", 3_000);
        assertEquals(false, answer.confirmed(), "an acquisition on its way could land after the answer");
        promise.endAcquire();
        assertEquals(true, promise.promise(FailsafeCheck.decide(standby()), "db1", 3_000).confirmed());
    }
}
