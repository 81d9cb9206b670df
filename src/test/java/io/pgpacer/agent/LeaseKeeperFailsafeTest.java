package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.Timings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The primary's side of failsafe with a fake clock: default timings (lease 3 s, renew every 750 ms, fence margin
 * 750 ms), so a lease acquired at t=0 is fenced at t=2250 unless renewed or extended. Only the failsafe round is
 * driven; the keeper's threads are not started.
 */
class LeaseKeeperFailsafeTest {

    private final AtomicLong clock = new AtomicLong();
    private final AtomicBoolean failsafeOn = new AtomicBoolean(true);
    private final List<Long> pingTimeouts = new ArrayList<>();
    private final List<String> notices = new ArrayList<>();
    /** What the members answer; may move the clock, as a slow answer would. */
    private Answering answering = timeout -> new FailsafePeers.Round(true, "all confirmed");

    interface Answering {
        FailsafePeers.Round answer(Duration timeout);
    }

    private final LeaseKeeper keeper = new LeaseKeeper("db1", null, Timings.DEFAULTS, reason -> { }, clock::get,
            (primary, generation, timeout) -> {
                pingTimeouts.add(timeout.toMillis());
                return answering.answer(timeout);
            }, failsafeOn::get, notices::add);

    @Test
    void thresholdTimeoutAndExtensionArithmetic() {
        assertEquals(1_500, LeaseKeeper.pingThreshold(3_000, 750, 750));
        assertEquals(1_080, LeaseKeeper.pingTimeout(1_100), "until just before the deadline");
        assertEquals(180, LeaseKeeper.pingTimeout(200));
        assertEquals(3_450, LeaseKeeper.extendedDeadline(2_250, 1_200, 3_000, 750), "counted from the ping's send");
        assertEquals(5_000, LeaseKeeper.extendedDeadline(5_000, 1_200, 3_000, 750), "never shortened");
    }

    @Test
    void noPingWhileRenewalsCouldStillLand() {
        keeper.hold(7, 0);
        clock.set(600);
        keeper.failsafeRound();
        assertEquals(List.of(), pingTimeouts, "1650 ms left: renewals are not failing yet");
    }

    @Test
    void whenEveryMemberConfirmsTheDeadlineMovesToPingSentPlusLeaseMinusMargin() {
        keeper.hold(7, 0);
        clock.set(1_200);
        keeper.failsafeRound();
        assertEquals(List.of(1_030L), pingTimeouts);
        assertEquals(OptionalLong.of(3_450 - 1_200), keeper.remainingMillis());
        assertTrue(notices.get(0).contains("every other member confirmed"), notices.toString());
        clock.set(3_449);
        assertEquals(OptionalLong.of(7), keeper.held());
        clock.set(3_450);
        assertEquals(OptionalLong.empty(), keeper.held(), "fenced at the extended deadline without another ping");
    }

    @Test
    void theExtensionCountsFromTheSendEvenWhenTheAnswersTakeTime() {
        keeper.hold(7, 0);
        clock.set(1_200);
        answering = timeout -> {
            clock.addAndGet(300);
            return new FailsafePeers.Round(true, "all confirmed");
        };
        keeper.failsafeRound();
        assertEquals(OptionalLong.of(3_450 - 1_500), keeper.remainingMillis());
    }

    @Test
    void pingsRepeatEveryRenewIntervalWhileRenewalsKeepFailing() {
        keeper.hold(7, 0);
        clock.set(1_200);
        keeper.failsafeRound();
        clock.set(1_900);
        keeper.failsafeRound();
        assertEquals(1, pingTimeouts.size(), "not again within a renew interval");
        clock.set(2_400);
        keeper.failsafeRound();
        assertEquals(2, pingTimeouts.size());
        assertEquals(OptionalLong.of(2_250), keeper.remainingMillis());
    }

    @Test
    void oneRefusalOrSilenceGivesNoExtension() {
        keeper.hold(7, 0);
        clock.set(1_200);
        answering = timeout -> new FailsafePeers.Round(false, "db3: no answer within 375 ms");
        keeper.failsafeRound();
        assertEquals(OptionalLong.of(1_050), keeper.remainingMillis());
        assertEquals(List.of(), notices, "a renewal may still land: no news yet");
        clock.set(1_950);
        keeper.failsafeRound();
        assertTrue(notices.get(0).contains("db3: no answer"), notices.toString());
        clock.set(2_250);
        assertEquals(OptionalLong.empty(), keeper.held(), "fenced at the renewal deadline, as without failsafe");
    }

    @Test
    void aRefusedRoundIsAskedAgainSoonForAMemberThatOnlyJustLostTheStore() {
        keeper.hold(7, 0);
        clock.set(1_200);
        answering = timeout -> new FailsafePeers.Round(false, "db3: HTTP 409: db3 reaches the store");
        keeper.failsafeRound();
        clock.set(1_200 + LeaseKeeper.REFUSED_RETRY_MILLIS - 1);
        keeper.failsafeRound();
        assertEquals(1, pingTimeouts.size(), "not again at once");
        clock.set(1_200 + LeaseKeeper.REFUSED_RETRY_MILLIS);
        answering = timeout -> new FailsafePeers.Round(true, "all confirmed");
        keeper.failsafeRound();
        assertEquals(2, pingTimeouts.size(), "asked again a retry interval after the refusal");
        assertEquals(OptionalLong.of(2_250), keeper.remainingMillis(), "extended from the second send: 1350 + 3000"
                + " - 750 - 1350");
    }

    @Test
    void answersThatArriveAfterTheDeadlineExtendNothing() {
        keeper.hold(7, 0);
        clock.set(2_200);
        answering = timeout -> {
            clock.set(2_260);
            return new FailsafePeers.Round(true, "all confirmed");
        };
        keeper.failsafeRound();
        assertEquals(List.of(30L), pingTimeouts, "the timeout is bounded by the 50 ms left");
        assertEquals(OptionalLong.empty(), keeper.held());
    }

    @Test
    void withFailsafeOffOrWithoutALeaseNobodyIsAsked() {
        failsafeOn.set(false);
        keeper.hold(7, 0);
        clock.set(1_200);
        keeper.failsafeRound();
        failsafeOn.set(true);
        keeper.forget();
        keeper.failsafeRound();
        assertEquals(List.of(), pingTimeouts);
    }
}
