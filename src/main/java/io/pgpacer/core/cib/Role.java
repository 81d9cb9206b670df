package io.pgpacer.core.cib;

/** The role the controller assigns to a node's PostgreSQL. */
public enum Role {
    /** Writable primary; only while its agent holds the lease. */
    PRIMARY,
    /** Hot standby streaming from the goal's upstream. */
    STANDBY,
    /** PostgreSQL stopped on this node. */
    STOPPED
}
