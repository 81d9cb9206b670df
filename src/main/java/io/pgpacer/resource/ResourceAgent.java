package io.pgpacer.resource;

import java.time.Duration;

/**
 * Starts, stops and monitors one primitive resource on this host, the way an OCF resource agent does. Every
 * method is idempotent (starting a started resource succeeds, stopping a stopped one succeeds), returns its OCF
 * result instead of throwing, and gives up after {@code timeout} with {@link OcfResult#ERR_GENERIC}. Calls for
 * one resource may overlap (a fencing stop during a monitor); implementations must tolerate that.
 */
public interface ResourceAgent {

    /** Starts the resource; {@link OcfResult#SUCCESS} once it runs. */
    OcfResult start(Duration timeout);

    /** Stops the resource; {@link OcfResult#SUCCESS} once it no longer runs, including when it did not run. */
    OcfResult stop(Duration timeout);

    /** {@link OcfResult#SUCCESS} while it runs, {@link OcfResult#NOT_RUNNING} when cleanly stopped, else a failure. */
    OcfResult monitor(Duration timeout);
}
