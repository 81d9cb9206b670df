package io.pgpacer.testkit;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Sends a signal to one process the test started, by PID (never by name). */
public final class Signals {

    private Signals() {
    }

    /**
     * Runs {@code kill -SIGNAL pid} and fails when it does not succeed within 5 s.
     *
     * @param signal the name without "SIG", e.g. {@code STOP}
     */
    public static void send(String signal, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run kill -" + signal + " " + pid + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while sending " + signal + " to " + pid, e);
        }
    }
}
