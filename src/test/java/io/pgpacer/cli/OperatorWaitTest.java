package io.pgpacer.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OperatorWaitTest {

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void theFirstLookComesAtOnceAndLaterOnesAfterThePoll() {
        OperatorWait wait = OperatorWait.upTo(60);
        assertTrue(wait.lookAgain(Duration.ofSeconds(30)));
        assertTrue(wait.elapsedSeconds() < 30, "the first look waited for the poll: " + wait.elapsedSeconds() + " s");
        assertTrue(wait.lookAgain(Duration.ofMillis(20)));
        assertTrue(wait.elapsedSeconds() >= 0.02, "the second look came before the poll: " + wait.elapsedSeconds());
        assertFalse(wait.interrupted());
    }

    @Test
    void aPassedDeadlineEndsTheWaitWithoutCallingItAnInterruption() {
        OperatorWait wait = OperatorWait.upTo(0);
        assertFalse(wait.lookAgain(Duration.ofMillis(1)));
        assertFalse(wait.interrupted());
    }

    @Test
    void ctrlCEndsTheWaitAndSaysSo() {
        OperatorWait wait = OperatorWait.upTo(60);
        assertTrue(wait.lookAgain(Duration.ofSeconds(30)));
        Thread.currentThread().interrupt();
        assertFalse(wait.lookAgain(Duration.ofSeconds(30)));
        assertTrue(wait.interrupted());
        assertTrue(Thread.currentThread().isInterrupted(), "the interrupt stays for the caller");
        assertFalse(wait.lookAgain(Duration.ofSeconds(30)));
    }
}
