package io.pgpacer.core.cib;

/**
 * Why the controller promotes nobody at the moment, kept in the CIB so that {@code pgpacer status} shows it on every
 * node while it lasts; cleared as soon as a primary is chosen.
 *
 * @param kind whether the controller is only waiting for reports, or no node can be promoted
 * @param text the reason in operator words ({@code no promotion: node1 is offline, and no standby is eligible: ...})
 * @param fix the operator command that would let a node be promoted, or null when none would (or none is needed)
 */
public record ControllerActivity(Kind kind, String text, String fix) {

    /** A refusal that lasts or a wait that ends by itself. */
    public enum Kind {
        /** A standby's report since the primary was lost is awaited: a wait of a report interval, not a failure. */
        WAITING_FOR_REPORTS,
        /** Every report is in and no node can be promoted: the operator must act (or the lost primary return). */
        NO_ELIGIBLE_NODE
    }

    /** The reason and, when there is one, the fix: the text of logs, the plan's notes and the failed action. */
    public String describe() {
        return fix == null ? text : text + "; to fix: " + fix;
    }
}
