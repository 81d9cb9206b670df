package io.pgpacer.core.cib;

/** Whether a reader VIP exists and where it goes when no standby can carry it. */
public enum ReaderVipPolicy {
    /** No reader VIP is configured. */
    NONE,
    /** On one healthy standby; with none left it is stopped. */
    STANDBY,
    /** On one healthy standby; with none left it moves to the primary. */
    STANDBY_OR_PRIMARY
}
