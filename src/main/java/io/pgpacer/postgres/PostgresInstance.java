package io.pgpacer.postgres;

import io.pgpacer.core.timeline.LocalWal;
import io.pgpacer.core.timeline.TimelineFork;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One node's PostgreSQL server: its data directory, its postmaster process and its SQL connection.
 * Every method is safe to call from any thread; {@link #observe()} never waits for a long operation
 * such as a base backup. Failures are {@link PostgresException}s whose message carries PostgreSQL's
 * own output.
 */
public interface PostgresInstance extends AutoCloseable {

    /**
     * Reads the data directory without starting PostgreSQL ({@code pg_controldata} and signal files). Safe while
     * the server runs, though the control file then lags. Never changes the data directory; it remembers, in the
     * run directory, the system identifier of the last cluster it saw there, so that a data directory that is later
     * missing or empty is reported as a {@link DataDirState#problem() problem}, not as a new node to fill. A directory
     * PostgreSQL's tools cannot read is a problem too, with their own words.
     */
    DataDirState inspect();

    /**
     * Renames the data directory aside, next to itself ({@code DATADIR.pgpacer-old-STAMP}, a numbered suffix added if
     * that exists), so that a new copy can take its place while the old data is kept (S5). PostgreSQL must be
     * stopped.
     *
     * @return where the old directory is now, or null when there was none or it was empty (nothing to keep)
     * @throws PostgresException if PostgreSQL runs or the rename fails
     */
    java.nio.file.Path setAsideDataDirectory(String stamp);

    /**
     * Deletes a directory that {@link #setAsideDataDirectory} set aside: only on the operator's explicit request
     * ({@code pgpacer rebuild --discard-old}), and only such a directory.
     *
     * @throws PostgresException if {@code setAside} is not a set-aside data directory of this node, or deleting fails
     */
    void discardSetAside(java.nio.file.Path setAside);

    /**
     * Creates a new cluster with initdb (scram-sha-256 for TCP, peer for the unix socket), turns on
     * {@code wal_log_hints} for pg_rewind, includes {@code pgpacer.conf} from postgresql.conf and writes
     * the baseline pg_hba.conf (loopback only; call {@link #writeHba} with the node addresses next).
     * Not idempotent.
     *
     * @throws DataDirectoryNotEmptyException if the data directory exists and is not empty
     * @throws PostgresException if initdb fails
     */
    void initdb();

    /**
     * Rewrites pg_hba.conf (atomically) for a cluster whose nodes have these addresses: trust on
     * loopback for the agent, scram-sha-256 for replication and for pg_rewind's superuser connection
     * from each node, then the operator's extra lines. Takes effect at the next start or
     * {@link #reload()}. Idempotent.
     *
     * @throws PostgresException if the data directory is not initialized or cannot be written
     */
    void writeHba(List<String> nodeAddresses);

    /**
     * Sets this node's role on disk: renders {@code pgpacer.conf} (a standby gets
     * {@code primary_conninfo} for the upstream and {@code recovery_target_timeline = 'latest'}),
     * creates or removes {@code standby.signal}, and writes the libpq passfile. Passwords never go into
     * a configuration file other than the 0600 passfile. The choice is remembered and re-rendered by
     * {@link #start()}. A running server picks up a changed upstream only after {@link #reload()}
     * (PostgreSQL 13+) or a restart, and a role change only after a restart. Idempotent.
     *
     * @param upstreamOrNull the primary to stream from, or null to run as a primary
     * @throws PostgresException if the data directory is not initialized or a file cannot be written
     */
    void configure(Upstream upstreamOrNull);

    /**
     * Chooses the start as a hot standby that streams from nobody: it serves read-only sessions on the data it
     * has and can accept no write, not even from a session that turns {@code default_transaction_read_only}
     * off. For no-quorum-policy {@code demote}. Like {@link #configure}, takes effect at the next start.
     *
     * @throws PostgresException if the data directory is not initialized or a file cannot be written
     */
    void configureReadOnly();

    /**
     * Makes commits wait for any {@code k} of the named standbys ({@code synchronous_standby_names}), or for
     * none when {@code names} is empty: renders it into pgpacer.conf and reloads a running PostgreSQL. Backends
     * take the new value within milliseconds of the reload. Idempotent.
     *
     * @throws PostgresException if the file cannot be written or the reload fails
     */
    void waitForStandbys(List<String> names, int k);

    /**
     * Re-renders the configuration chosen by the last {@link #configure} and launches the postmaster as
     * a direct child of this JVM that the kernel kills when the JVM dies, so that a dead agent never
     * leaves a writable primary behind. Returns once PostgreSQL accepts connections. The fork happens on
     * a thread this instance owns for its whole life, because the kernel delivers that death signal
     * when the forking thread ends, whichever thread calls this method. Idempotent: returns at once
     * if the postmaster this instance started is running.
     *
     * @throws IllegalStateException if {@link #configure} was never called on this instance
     * @throws PostmasterAlreadyRunningException if a postmaster this instance did not start serves the
     *         data directory
     * @throws PostgresException if the postmaster exits or does not accept connections within the start
     *         timeout (it is then left running); the message holds the tail of postgresql.log
     */
    void start();

    /**
     * Stops PostgreSQL with {@code pg_ctl stop -m fast|immediate}. If the postmaster this instance
     * started is still alive after the stop timeout, it (and only it) gets SIGKILL. Idempotent: a
     * stopped server is left alone. With the commit guard loaded, an immediate stop (fencing) first ends the guard's
     * lease and terminates every client backend, within a second, so that no commit completes while the postmaster
     * stops.
     *
     * @throws PostgresException if a server still runs afterwards
     */
    void stop(StopMode mode);

    /**
     * Lets the running postmaster outlive this instance for a planned restart of the agent; the next instance on
     * the same data directory adopts it. Only for a standby: the caller makes sure this node is not the primary.
     *
     * @return the postmaster's pid
     * @throws PostgresException if no postmaster of this instance runs or the hand-over cannot be recorded
     */
    long detach();

    /** True while the postmaster this instance started (or adopted after a planned restart) is alive. */
    boolean isRunning();

    /** The pid of the postmaster this instance started, or 0 when none is alive. */
    long pid();

    /**
     * Completes with the exit status of the postmaster this instance started most recently, the moment
     * the process ends; already complete (with -1 if none was ever started) when none is alive.
     * Dependent actions run on a JDK thread: keep them short.
     */
    CompletableFuture<Integer> exitFuture();

    /**
     * Promotes a standby ({@code pg_promote(true, 30)}) and returns when it accepts writes on a new
     * timeline. Not idempotent: calling it on a primary throws, so that a caller never records a
     * promotion that did not happen.
     *
     * @throws PostgresException if the server is not a standby, is unreachable, or did not finish
     *         promoting within 30 s
     */
    void promote();

    /**
     * Where this node's WAL ends and on which timeline, for comparing it with the cluster's timeline history before
     * PostgreSQL starts as a standby: from the latest checkpoint ({@code pg_controldata}), {@code pg_waldump} reads
     * to the last valid record, and follows the node's own timeline history files onto later timelines. Read-only;
     * meant for a stopped server (a running one keeps writing). Takes as long as reading the WAL written since the
     * last checkpoint.
     *
     * @throws PostgresException if the directory holds no cluster or pg_controldata or pg_waldump fail (their
     *         output is in the message)
     */
    LocalWal localWal();

    /**
     * The transactions this node's WAL on {@code timeline} holds from {@code from} on, as pg_waldump shows them (their
     * relations not yet named): what a pg_rewind or a rebuild would discard when {@code from} is the point where the
     * cluster's timeline forked from this node's. pg_waldump reads from the start of the WAL segment that holds
     * {@code from}, so that the rows of a transaction begun before the fork and committed after it are counted (those
     * of earlier segments are not). Read-only; meant for a stopped server.
     *
     * @throws PostgresException if the directory holds no cluster, has no WAL segment there, or pg_waldump reads no
     *     record (its output is in the message)
     */
    List<io.pgpacer.core.cib.DiscardedTransaction> transactionsFrom(long timeline, io.pgpacer.core.model.Lsn from);

    /**
     * Names relation files ({@code tablespace/database/relfilenode}) by {@code server}'s catalog, as the superuser:
     * a file node whose database the server has maps to its names, the relation's null when the server has no
     * relation with that file. Read-only on the server.
     *
     * @throws PostgresException if the server cannot be reached or a query fails
     */
    java.util.Map<String, RelationName> relationNames(Upstream server, java.util.Collection<String> fileNodes);

    /**
     * The forks that led to {@code timeline}, oldest first, as its history file in {@code pg_wal} lists them (the
     * last one names the parent and where it ended); empty for timeline 1 or when this node has no such file.
     * Read-only; safe while the server runs.
     *
     * @throws PostgresException if the file exists but cannot be read or parsed
     */
    List<TimelineFork> timelineHistory(long timeline);

    /**
     * Makes the running server re-read its configuration files ({@code pg_ctl reload}); this is how a
     * standby follows a new upstream without a restart on PostgreSQL 13+. Idempotent.
     *
     * @throws PostgresException if no server runs or pg_ctl fails
     */
    void reload();

    /**
     * Clones the upstream into this node's empty data directory with pg_basebackup. The copy is made in
     * a temporary sibling directory and renamed into place only when complete, so a failure leaves no
     * half-written data directory. May take hours on a large cluster: interrupting the calling thread
     * cancels it (pg_basebackup is killed and waited for, and the partial copy is deleted).
     *
     * @param progress told how far the copy has come, about once a second, from another thread
     * @throws DataDirectoryNotEmptyException if the data directory exists and is not empty
     * @throws PostgresException if pg_basebackup fails (its output is in the message) or is cancelled
     */
    void baseBackupFrom(Upstream upstream, Consumer<CopyProgress> progress);

    /** As {@link #baseBackupFrom(Upstream, Consumer)}, without progress. */
    default void baseBackupFrom(Upstream upstream) {
        baseBackupFrom(upstream, progress -> { });
    }

    /**
     * Rewinds this stopped node's diverged data directory to the upstream's timeline with pg_rewind,
     * first finishing crash recovery in single-user mode if the node crashed as a primary, or, if it crashed as
     * a standby, starting it as a standby without an upstream and stopping it cleanly. The upstream must be a
     * primary: one in recovery is refused before anything changes here. A freshly
     * promoted upstream is first made to CHECKPOINT: until then its control file names the old timeline
     * and pg_rewind (before PostgreSQL 16) would wrongly answer "no rewind required". Follow with
     * {@link #configure} and {@link #start()} so it streams the rest. Idempotent in effect. Interrupting the calling
     * thread kills pg_rewind, which leaves the directory to be rewound again or rebuilt (pg_rewind's own warning).
     *
     * @param progress told how far the copy of changed blocks has come, about once a second, from another thread
     * @throws PostgresException if the server runs, the directory is not initialized, the upstream is a
     *         standby, or recovery or pg_rewind fails (their output is in the message)
     */
    void rewindFrom(Upstream upstream, Consumer<CopyProgress> progress);

    /** As {@link #rewindFrom(Upstream, Consumer)}, without progress. */
    default void rewindFrom(Upstream upstream) {
        rewindFrom(upstream, progress -> { });
    }

    /**
     * On a running primary: creates the replication role if missing (REPLICATION LOGIN) and sets the
     * configured replication and superuser passwords. Passwords are hashed (SCRAM) by the driver before
     * they are sent, so they never appear in PostgreSQL's logs or in exceptions. Idempotent.
     *
     * @throws PostgresException if the server is unreachable, is a standby, or a statement fails
     */
    void ensureRoles();

    /**
     * Looks at the server: process state plus one SQL round trip over a cached connection that is
     * re-opened after an error. Returns within about 2 s even if PostgreSQL is frozen; never throws for
     * an unreachable server (see {@link PgObservation#error()}).
     */
    PgObservation observe();

    /**
     * The write probe: over a new connection, with {@code synchronous_commit = local}, commits one row for {@code node}
     * to pgpacer's probe table ({@code pgpacer_probe.heartbeat}, created when missing, so clusters made before it
     * existed get it on their first probe). The connection and each statement are given up a second after {@code
     * timeoutMillis} at the latest; {@code stage} hears what the probe waits for next. Only meaningful on a primary.
     * Never throws: a refusal by the commit guard (the lease lapsed) and any other failure are results, with
     * PostgreSQL's words.
     */
    io.pgpacer.core.probe.ProbeProgress.Result commitProbe(String node, long timeoutMillis,
            java.util.function.Consumer<String> stage);

    /** Whether the pgpacer_guard library is installed for the PostgreSQL programs in use (in its pkglibdir). */
    boolean commitGuardInstalled();

    /**
     * From the next {@link #configure} on, PostgreSQL loads pgpacer_guard ({@code shared_preload_libraries}, after
     * the operator's own libraries); it takes effect at the next start. Call before the first start.
     */
    void loadCommitGuard();

    /**
     * Grants the commit guard lease generation {@code epoch} until a deadline anchored to PostgreSQL's own
     * monotonic clock: it reads that clock, then asks {@code validMillisAfterAnchor} (which reads the caller's
     * clock <em>after</em> the reading arrived) how long the lease stays valid from then, and grants that. A delay
     * anywhere only makes the granted deadline earlier. On a primary it first creates the extension if it is
     * missing; a standby without it grants nothing. Nothing is granted when the validity is not positive.
     *
     * @return the guard's state after the grant; empty when the extension is not there (not loaded, or not yet
     *     created on a standby)
     * @throws PostgresException if PostgreSQL cannot be reached or refuses the grant
     */
    java.util.Optional<CommitGuardState> grantCommitGuard(long epoch, java.util.function.LongSupplier validMillisAfterAnchor);

    /**
     * The commit guard's state, in one round trip on the monitoring connection; empty when the extension is not
     * loaded or not created (or PostgreSQL is unreachable).
     */
    java.util.Optional<CommitGuardState> commitGuardState();

    /**
     * Stops the postmaster this instance started (fast) and releases the connection and the launcher
     * thread. The instance cannot be started again afterwards.
     */
    @Override
    void close();
}
