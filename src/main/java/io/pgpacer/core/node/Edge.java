package io.pgpacer.core.node;

import static io.pgpacer.core.node.NodeState.CATCHING_UP;
import static io.pgpacer.core.node.NodeState.CLONING;
import static io.pgpacer.core.node.NodeState.DIVERGED;
import static io.pgpacer.core.node.NodeState.FAILED;
import static io.pgpacer.core.node.NodeState.NO_DATA;
import static io.pgpacer.core.node.NodeState.PRIMARY;
import static io.pgpacer.core.node.NodeState.PROMOTING;
import static io.pgpacer.core.node.NodeState.REWINDING;
import static io.pgpacer.core.node.NodeState.STARTING;
import static io.pgpacer.core.node.NodeState.STOPPED;
import static io.pgpacer.core.node.NodeState.STREAMING;
import static io.pgpacer.core.node.NodeState.UNLEASED_WRITABLE;

import io.pgpacer.core.cib.Role;
import java.util.EnumSet;
import java.util.Set;

/**
 * The node state machine's transition table: every edge {@link NodeMachine#next} may take, with the states it leaves
 * from, the goal it serves, the state it leads to, its guard and why it exists. {@code NodeMachine} names the edge of
 * each decision, and a test checks that the decision's state is among the edge's. {@code docs/node-state-machine.md}
 * is generated from this table.
 */
public enum Edge {

    // --- every goal ---
    CARRY_ON(EnumSet.of(CLONING, REWINDING), Scope.ANY_GOAL, CATCHING_UP,
            "a clone or rewind runs, or ended and was not followed up yet (once it succeeded, PostgreSQL starts as a"
                    + " standby)",
            "the data directory is the long step's until it ends; the node keeps reporting its progress, and a clone"
                    + " whose goal changed is cancelled"),
    NO_GOAL(Scope.ANY, Scope.ANY_GOAL, null, "the controller has not given this node a goal",
            "nothing is started, stopped or promoted before the controller decided"),
    UNUSABLE_DATA(EnumSet.of(FAILED), Scope.RUNNING, null,
            "no postmaster runs, the data directory cannot be used, and no repair is asked for",
            "every start fails (counted, retried after the back-off); a data directory is never replaced without the"
                    + " operator (S5)"),
    FENCE_WRITABLE(EnumSet.of(UNLEASED_WRITABLE), Scope.RUNNING, STOPPED,
            "PostgreSQL accepts writes but this node holds no lease",
            "S1: a writable PostgreSQL without the lease must not keep running, not even for a moment"),
    LOOK_UP_TIMELINE(EnumSet.of(STOPPED, DIVERGED), Scope.RUNNING, null,
            "a stopped node is to start or take the lease, and its WAL was not checked this pass",
            "S3, the start-time check: a node whose WAL went past the point where the history forked its timeline is"
                    + " never started as a standby nor promoted"),
    LOOK_UP_SOURCE(Scope.UNLEASED, Scope.STANDBY, null,
            "a copy or a rewind is due and the current primary was not read this pass",
            "the source is read through the store's majority at that moment, never from this member's copy, which"
                    + " may be stale and name a standby (issue 12)"),
    WAIT_FOR_HISTORY(EnumSet.of(STOPPED, DIVERGED, STARTING, CATCHING_UP, STREAMING), Scope.RUNNING, null,
            "the timeline check could not read the history: no store majority answers",
            "no verdict, no start: the node waits instead of guessing"),
    STAY_DIVERGED(EnumSet.of(DIVERGED), Scope.RUNNING, DIVERGED,
            "the WAL went past the fork and no rewind is possible now (a primary to be, auto-rewind off, or no"
                    + " primary serves)",
            "S3: a diverged node is never promoted nor started as a standby; its report names the fix"),

    // --- goal primary ---
    GUARD_REFUSES(EnumSet.of(NO_DATA, STOPPED, DIVERGED, STARTING, CATCHING_UP, STREAMING), Scope.PRIMARY, null,
            "the commit guard is required but unusable on this node",
            "a primary that cannot fence its commits by the lease would break the guarded lease's promise"),
    ACQUIRE_LEASE(EnumSet.of(NO_DATA, STOPPED, DIVERGED, STARTING), Scope.PRIMARY, null,
            "this node holds no lease (and its WAL is on the history)",
            "writes happen only under the lease: it is taken before PostgreSQL starts as a primary"),
    ACQUIRE_LEASE_TO_PROMOTE(EnumSet.of(CATCHING_UP, STREAMING), Scope.PRIMARY, PROMOTING,
            "a running standby is to be primary and holds no lease",
            "the lease is taken before the promotion, so that the old primary's fence has stopped its writes"),
    REFUSE_INITDB(EnumSet.of(NO_DATA), Scope.PRIMARY, null,
            "the data directory is empty but the cluster already has a timeline history",
            "a new cluster beside the history would lose every write of the old one; another node must be primary"),
    INIT_CLUSTER(EnumSet.of(NO_DATA), Scope.PRIMARY, PRIMARY, "the data directory is empty and so is the history",
            "the cluster's first start: initdb, start as primary, the history's first entry"),
    START_TO_PROMOTE(EnumSet.of(STOPPED), Scope.PRIMARY, PROMOTING,
            "holding the lease, stopped, and not the recorded primary of its own timeline",
            "only the recorded primary may resume its timeline; any other node is promoted to timeline + 1, or it"
                    + " would continue a timeline beside another primary's writes"),
    START_PRIMARY(EnumSet.of(STOPPED), Scope.PRIMARY, PRIMARY,
            "holding the lease, stopped, the recorded primary of its own timeline",
            "the recorded primary resumes its own timeline: it is on the history by definition"),
    GIVE_UP_DIVERGED_LEASE(EnumSet.of(DIVERGED), Scope.PRIMARY, DIVERGED,
            "holding the lease with data the last check found diverged",
            "S3: diverged data is never promoted; the lease goes back so that another node can be"),
    WAIT_TO_ANSWER(EnumSet.of(STARTING), Scope.ANY_GOAL, null, "the postmaster runs but does not answer SQL yet",
            "nothing can be decided about a PostgreSQL that does not answer; the next look sees it up or gone"),
    PROMOTE(EnumSet.of(PROMOTING), Scope.PRIMARY, PRIMARY, "a standby holding the lease",
            "the promotion is recorded in the timeline history before PostgreSQL is told to promote (S3)"),
    RECORD_INITIAL_PRIMARY(EnumSet.of(PRIMARY), Scope.PRIMARY, PRIMARY,
            "writable under the lease while the history is empty (a cluster made from existing data)",
            "the history's first entry names the timeline every other node is checked against"),
    SERVE_PRIMARY(EnumSet.of(PRIMARY), Scope.PRIMARY, PRIMARY, "writable under the lease, on the history",
            "the goal is reached: the writer VIP follows the lease and the sync standbys follow the protocol"),

    // --- goal standby or stopped, holding the lease ---
    HAND_OVER(Scope.LEASE_HOLDING, Scope.STANDBY, STOPPED,
            "holding the lease while a switchover from this node is handing over",
            "PostgreSQL stops cleanly under the lease, so nothing is written after the shutdown checkpoint and the"
                    + " standbys receive every record; then the lease goes to the target, naming where the WAL ended"),
    STEP_DOWN(Scope.LEASE_HOLDING, Scope.ANY_GOAL, STOPPED, "holding the lease while the goal is not primary",
            "the writer VIP, PostgreSQL and the lease go, in that order, so that no write lands after the lease"),
    RELEASE_WRITER_VIP(Scope.UNLEASED_OR_WRITABLE, Scope.ANY_GOAL, null,
            "not holding the lease, and the writer VIP may be on this host",
            "only the lease holder carries the writer VIP"),

    // --- goal standby ---
    UPSTREAM_UNKNOWN(EnumSet.of(NO_DATA, STOPPED, DIVERGED, STARTING, CATCHING_UP, STREAMING), Scope.STANDBY, null,
            "the goal's upstream is not a configured node",
            "there is nothing to stream from; the controller's next goal fixes it"),
    REPAIR_ALREADY_DONE(Scope.UNLEASED, Scope.STANDBY, null, "this agent carried out the repair asked for",
            "the store clears the request once it took the report; until then the report is sent again"),
    WAIT_FOR_PRIMARY(Scope.UNLEASED, Scope.STANDBY, null,
            "a copy, rewind, repair or rejoin is due but the upstream does not run as primary",
            "a copy or rewind needs a primary; a former primary's WAL is checked against its successor's fork"),
    STOP_FOR_REPAIR(EnumSet.of(STARTING, CATCHING_UP, STREAMING), Scope.STANDBY, STOPPED,
            "the operator asked for a repair or rebuild and PostgreSQL runs",
            "pg_rewind and a new copy need PostgreSQL stopped"),
    LOOK_UP_STOPPED_DATA(EnumSet.of(FAILED, STOPPED, DIVERGED), Scope.STANDBY, null,
            "a repair or a recheck of a stuck standby is due and its stopped data was not checked this pass",
            "the check tells what a rewind would discard (the lost-transaction report) and whether it is needed"),
    REPAIR_WITHOUT_REWIND(EnumSet.of(FAILED, STOPPED), Scope.STANDBY, CATCHING_UP,
            "the operator asked for pg_rewind, a primary serves, PostgreSQL is stopped, and its WAL is on the history",
            "pg_rewind must not run on WAL that is on the history (PostgreSQL 15's pg_rewind takes a standby that made"
                    + " no restartpoint on the new timeline for diverged, and fails); the node restarts as a standby"),
    REPAIR_REWIND(EnumSet.of(NO_DATA, FAILED, STOPPED, DIVERGED), Scope.STANDBY, REWINDING,
            "the operator asked for pg_rewind, a primary serves, PostgreSQL is stopped",
            "the operator's request; the lost-transaction report is written before anything is discarded"),
    REBUILD(EnumSet.of(NO_DATA, FAILED, STOPPED, DIVERGED), Scope.STANDBY, CLONING,
            "the operator asked for a rebuild, a primary serves, PostgreSQL is stopped",
            "a new copy; the old data directory is set aside (with its lost-transaction report) unless the operator"
                    + " said --discard-old (S5)"),
    WAIT_FOR_SOURCE(Scope.UNLEASED, Scope.STANDBY, null,
            "no primary can be named now (no lease holder serving, no majority)",
            "nothing is copied or rewound without a primary; no failure is counted"),
    CLONE(EnumSet.of(NO_DATA), Scope.STANDBY, CLONING, "the data directory is empty and a primary serves",
            "a standby starts from a base backup of the current primary"),
    REWIND(EnumSet.of(DIVERGED), Scope.STANDBY, REWINDING,
            "the WAL went past the fork, auto-rewind is on and a primary serves",
            "pg_rewind brings a diverged node back onto the history; the lost-transaction report is written first"),
    REBUILD_AFTER_FAILED_REWIND(EnumSet.of(DIVERGED), Scope.STANDBY, CLONING,
            "the WAL went past the fork, auto-rewind is on, a primary serves, and pg_rewind failed on this data"
                    + " directory after its source answered",
            "a second pg_rewind would fail the same way; a new copy brings the node back, the old data directory"
                    + " kept aside under a new name (S5) and the lost-transaction report written first"),
    START_STANDBY(EnumSet.of(STOPPED), Scope.STANDBY, CATCHING_UP, "stopped, and the WAL is on the history",
            "a node whose WAL ends at or before its fork streams the rest as it is"),
    RESTART_UNSTUCK(EnumSet.of(STOPPED), Scope.STANDBY, CATCHING_UP,
            "stopped after not streaming, and the WAL is on the history",
            "nothing to rewind: the standby restarts and streams"),
    REWIND_UNSTUCK(EnumSet.of(STOPPED, DIVERGED), Scope.STANDBY, REWINDING,
            "stopped after not streaming, and the WAL went past the fork (or could not be checked)",
            "an old primary that kept streaming commits it never acknowledged has WAL past the fork: pg_rewind"),
    FOLLOW(EnumSet.of(STARTING, CATCHING_UP, STREAMING), Scope.STANDBY, CATCHING_UP,
            "running as a standby of another upstream than the goal's, and its replayed WAL is on the history",
            "the standby follows the new upstream by a reload, without a restart"),
    LOOK_UP_RUNNING_TIMELINE(EnumSet.of(STARTING, CATCHING_UP, STREAMING), Scope.STANDBY, null,
            "running as a standby of another upstream than the goal's, not checked this pass",
            "S3: a standby that replayed past the new upstream's fork cannot follow it"),
    STOP_DIVERGED(EnumSet.of(STARTING, CATCHING_UP, STREAMING), Scope.STANDBY, STOPPED,
            "running as a standby of another upstream, and its replayed WAL went past that upstream's fork",
            "it is stopped before it ever connects; the start-time check rewinds it or says DIVERGED"),
    STREAMING_AS_WANTED(EnumSet.of(STREAMING), Scope.STANDBY, null, "streaming from the goal's upstream",
            "the goal is reached"),
    NOT_STREAMING_YET(EnumSet.of(STARTING, CATCHING_UP), Scope.STANDBY, null,
            "not streaming from a configured upstream, for less than the stuck time or tried already",
            "a standby that merely reconnects streams within two of PostgreSQL's WAL-retrieval retry intervals"),
    STOP_STUCK(EnumSet.of(STARTING, CATCHING_UP), Scope.STANDBY, STOPPED,
            "not streaming from a serving upstream for the stuck time, not tried on this upstream timeline",
            "its WAL may go past the upstream's fork: stopped to be checked (and rewound), once per timeline"),

    // --- goal stopped ---
    STOP_AS_ASSIGNED(EnumSet.of(STARTING, CATCHING_UP, STREAMING, UNLEASED_WRITABLE), Scope.STOPPED, STOPPED,
            "PostgreSQL runs and the goal is stopped", "the operator or the controller stopped this node"),
    STOPPED_AS_ASSIGNED(EnumSet.of(NO_DATA, STOPPED, DIVERGED, FAILED), Scope.STOPPED, null,
            "PostgreSQL does not run and the goal is stopped", "the goal is reached");

    /** The scopes the table is written with; a holder, since an enum's own statics are not set yet in its constants. */
    private static final class Scope {
        /** Every state but the long steps', which {@link Edge#CARRY_ON} alone leaves from. */
        static final Set<NodeState> ANY = EnumSet.complementOf(EnumSet.of(CLONING, REWINDING));
        /** A node without the lease that runs no long step and is not writable. */
        static final Set<NodeState> UNLEASED = EnumSet.of(NO_DATA, FAILED, NodeState.STOPPED, DIVERGED, STARTING,
                CATCHING_UP, STREAMING);
        /** What a node holding the lease can be (a standby holding it is promoting). */
        static final Set<NodeState> LEASE_HOLDING = EnumSet.of(NO_DATA, FAILED, NodeState.STOPPED, DIVERGED, STARTING,
                PROMOTING, NodeState.PRIMARY);
        /** As {@link #UNLEASED}, and writable without the lease. */
        static final Set<NodeState> UNLEASED_OR_WRITABLE = EnumSet.of(NO_DATA, FAILED, NodeState.STOPPED, DIVERGED,
                STARTING, CATCHING_UP, STREAMING, UNLEASED_WRITABLE);
        static final Set<Role> ANY_GOAL = Set.of();
        static final Set<Role> RUNNING = EnumSet.of(Role.PRIMARY, Role.STANDBY);
        static final Set<Role> PRIMARY = EnumSet.of(Role.PRIMARY);
        static final Set<Role> STANDBY = EnumSet.of(Role.STANDBY);
        static final Set<Role> STOPPED = EnumSet.of(Role.STOPPED);
    }

    private final Set<NodeState> from;
    private final Set<Role> goals;
    private final NodeState to;
    private final String guard;
    private final String why;

    Edge(Set<NodeState> from, Set<Role> goals, NodeState to, String guard, String why) {
        this.from = Set.copyOf(from);
        this.goals = Set.copyOf(goals);
        this.to = to;
        this.guard = guard;
        this.why = why;
    }

    /** The states this edge leaves from. */
    public Set<NodeState> from() {
        return from;
    }

    /** The goals this edge serves; empty for an edge taken whatever the goal (or without one). */
    public Set<Role> goals() {
        return goals;
    }

    /** The state the edge leads to once its step is done, or null when it stays (a wait, a look, a settled node). */
    public NodeState to() {
        return to;
    }

    /** When the edge is taken, in one sentence. */
    public String guard() {
        return guard;
    }

    /** Why the edge exists, in one sentence. */
    public String why() {
        return why;
    }
}
