package io.pgpacer.postgres.local;

import io.pgpacer.core.cib.DiscardedTransaction;
import io.pgpacer.core.model.Lsn;
import io.pgpacer.core.timeline.LocalWal;
import io.pgpacer.core.timeline.TimelineFork;
import io.pgpacer.os.ProgramRunner;
import io.pgpacer.postgres.CommitGuardState;
import io.pgpacer.postgres.CopyProgress;
import io.pgpacer.postgres.DataDirState;
import io.pgpacer.postgres.DataDirectoryNotEmptyException;
import io.pgpacer.postgres.PgObservation;
import io.pgpacer.postgres.PostgresException;
import io.pgpacer.postgres.PostgresInstance;
import io.pgpacer.postgres.PostgresSettings;
import io.pgpacer.postgres.PostmasterAlreadyRunningException;
import io.pgpacer.postgres.RelationName;
import io.pgpacer.postgres.RewindFailedException;
import io.pgpacer.postgres.StopMode;
import io.pgpacer.postgres.Upstream;
import io.pgpacer.postgres.conf.AutoConf;
import io.pgpacer.postgres.conf.Conninfo;
import io.pgpacer.postgres.conf.ControlData;
import io.pgpacer.postgres.conf.ControlDataParser;
import io.pgpacer.postgres.conf.HbaRules;
import io.pgpacer.postgres.conf.ListenAddresses;
import io.pgpacer.postgres.conf.Passfile;
import io.pgpacer.postgres.conf.PgpacerConf;
import io.pgpacer.postgres.conf.PostmasterPidFile;
import io.pgpacer.postgres.conf.TimelineHistoryFile;
import io.pgpacer.postgres.conf.WalDumpEnd;
import io.pgpacer.postgres.conf.WalDumpTransactions;
import io.pgpacer.postgres.conf.WalFileNames;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * A {@link PostgresInstance} on this host: the postmaster runs as a child of the agent's JVM, tied to it by a
 * tether that kills it if the JVM dies (see {@link OsCommand#startTether}), except across a planned restart of the
 * agent ({@link #detach()}, then adopted by the next instance); PostgreSQL's programs run as the PostgreSQL OS user,
 * and monitoring goes over JDBC to the loopback address.
 */
public final class LocalPostgresInstance implements PostgresInstance {
    /** How long {@link #start()} waits for PostgreSQL to accept connections unless told otherwise. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
    /** How long {@link #stop} lets pg_ctl wait before the postmaster gets SIGKILL, unless told otherwise. */
    public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(60);

    private static final System.Logger LOG = System.getLogger(LocalPostgresInstance.class.getName());
    private static final String LOG_FILE = "postgresql.log";
    private static final String PASSFILE = "pgpass";
    private static final String STANDBY_SIGNAL = "standby.signal";
    private static final String SEEN_CLUSTER_FILE = "data-directory.system-identifier";
    /** Written by {@link #detach()} for the next agent: the postmaster it may adopt (pid and start time). */
    private static final String HANDOVER_FILE = "postmaster.handover";
    private static final String SET_ASIDE_INFIX = ".pgpacer-old-";
    private static final int LOG_LINES_IN_ERRORS = 20;
    private static final Duration QUICK_COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(5);
    // Base backups, rewinds and crash recovery of a large cluster take hours; callers cancel them by
    // interrupting the calling thread rather than by a timeout that would be wrong for someone.
    private static final Duration LONG_OPERATION_TIMEOUT = Duration.ofHours(24);
    /** How many WAL records a lost-transaction report reads at most: a bound on the memory pg_waldump's text takes. */
    private static final int DISCARD_REPORT_MAX_RECORDS = 500_000;
    private static final Duration START_POLL_INTERVAL = Duration.ofMillis(50);

    private final PostgresSettings settings;
    private final PostgresBinaries binaries;
    private final OsCommand command;
    private final OwnedFiles files;
    private final OsUser user;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final Path dataDir;
    private final Path runDir;
    private final JdbcSession sql;
    private final ExecutorService postmasterLauncher;
    private final Object lifecycleLock = new Object();

    private volatile ProcessHandle postmaster;
    /** The exit status of the postmaster this instance started; an adopted one's is not ours to know (-1). */
    private volatile CompletableFuture<Integer> postmasterExit = CompletableFuture.completedFuture(-1);
    private Process tether;
    private volatile boolean adoptionChecked;
    private volatile boolean detached;
    /** What commits wait for, rendered into pgpacer.conf; empty for asynchronous replication. */
    private String synchronousStandbyNames = "";
    private volatile boolean configured;
    private volatile Upstream upstream;
    /** Whether the chosen start is a standby without an upstream ({@link #configureReadOnly()}). */
    private volatile boolean readOnly;
    private volatile boolean commitGuard;
    private volatile boolean closed;

    /**
     * Uses the default start and stop timeouts.
     *
     * @throws io.pgpacer.postgres.PostgresBinariesNotFoundException if no usable PostgreSQL is installed
     * @throws PostgresException if the OS user cannot be used
     */
    public LocalPostgresInstance(PostgresSettings settings) {
        this(settings, PostgresBinaries.locate(settings.binDir()), DEFAULT_START_TIMEOUT, DEFAULT_STOP_TIMEOUT);
    }

    /**
     * @param startTimeout how long {@link #start()} waits until PostgreSQL accepts connections
     * @param stopTimeout how long pg_ctl may take to stop PostgreSQL before the postmaster gets SIGKILL
     * @throws PostgresException if the OS user cannot be used
     */
    public LocalPostgresInstance(PostgresSettings settings, PostgresBinaries binaries, Duration startTimeout,
                                 Duration stopTimeout) {
        this.settings = settings;
        this.binaries = binaries;
        OsUser user = OsUser.resolve(settings.osUser());
        this.command = OsCommand.as(user);
        this.files = new OwnedFiles(user);
        this.user = user;
        this.startTimeout = startTimeout;
        this.stopTimeout = stopTimeout;
        this.dataDir = settings.dataDir().toAbsolutePath().normalize();
        this.runDir = settings.runDir().toAbsolutePath().normalize();
        this.sql = new JdbcSession(ListenAddresses.monitorHost(settings.listenAddress()), settings.port(),
                settings.superuser(), settings.superuserPassword());
        // The kernel sends the tether its death signal when the thread that forked it ends, not when the JVM does;
        // this thread lives as long as the instance, whoever calls start().
        this.postmasterLauncher = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "pgpacer-postmaster-parent-" + settings.nodeName());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * The group of the OS user PostgreSQL runs as, when a root agent switches to that user (PostgreSQL then
     * needs to pass through the agent's private state directory to its run directory); empty otherwise.
     */
    public java.util.OptionalLong switchedGroupId() {
        return user.switchFromRoot() ? java.util.OptionalLong.of(user.gid()) : java.util.OptionalLong.empty();
    }

    public PostgresSettings settings() {
        return settings;
    }

    public PostgresBinaries binaries() {
        return binaries;
    }

    /** The file the postmaster's output is appended to. */
    public Path logFile() {
        return runDir.resolve(LOG_FILE);
    }

    @Override
    public DataDirState inspect() {
        if (Files.isDirectory(dataDir) && !(Files.isReadable(dataDir) && Files.isExecutable(dataDir))) {
            return new DataDirState(true, true, false, null, 0, Lsn.ZERO, Lsn.ZERO, null, "cannot read the data"
                    + " directory " + dataDir + ": permission denied");
        }
        if (!Files.isDirectory(dataDir) || OwnedFiles.isMissingOrEmpty(dataDir)) {
            DataDirState none = Files.isDirectory(dataDir)
                    ? new DataDirState(true, false, false, null, 0, Lsn.ZERO, Lsn.ZERO, null) : DataDirState.empty();
            String seen = lastSeenCluster();
            return seen == null ? none : none.withProblem("the data directory " + dataDir + " is "
                    + (none.exists() ? "empty" : "missing") + ", but this node held a cluster there (system identifier "
                    + seen + ")");
        }
        boolean standbySignal = Files.exists(dataDir.resolve(STANDBY_SIGNAL));
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
            return new DataDirState(true, false, standbySignal, null, 0, Lsn.ZERO, Lsn.ZERO, null);
        }
        ControlData control;
        try {
            control = controlData();
        } catch (PostgresException e) {
            return new DataDirState(true, true, standbySignal, null, 0, Lsn.ZERO, Lsn.ZERO, null, e.getMessage());
        }
        rememberCluster(control.systemIdentifier());
        return new DataDirState(true, true, standbySignal, control.clusterState(), control.checkpointTimeline(),
                control.checkpointLsn(), control.minRecoveryEnd(), control.systemIdentifier());
    }

    // The run directory, not the data directory, remembers the cluster: it must outlive the data directory.
    private Path seenClusterFile() {
        return runDir.resolve(SEEN_CLUSTER_FILE);
    }

    private String lastSeenCluster() {
        try {
            String content = Files.readString(seenClusterFile(), StandardCharsets.UTF_8).strip();
            return content.isEmpty() ? null : content;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new PostgresException("could not read " + seenClusterFile() + ": " + e, e);
        }
    }

    private void rememberCluster(String systemIdentifier) {
        if (!systemIdentifier.equals(lastSeenCluster())) {
            files.createDirectory(runDir, "rwxr-xr-x");
            files.writeAtomically(seenClusterFile(), systemIdentifier + "\n", "rw-------");
        }
    }

    @Override
    public Path setAsideDataDirectory(String stamp) {
        synchronized (lifecycleLock) {
            requireOpen();
            PostmasterPidFile pidFile = readPidFile();
            if (isRunning() || (pidFile != null && ProcessTable.isPostmasterOf(pidFile.pid(), dataDir))) {
                throw new PostgresException("setting " + dataDir + " aside refused: PostgreSQL is running; stop it"
                        + " first");
            }
            if (OwnedFiles.isMissingOrEmpty(dataDir)) {
                return null;
            }
            Path aside = dataDir.resolveSibling(dataDir.getFileName() + SET_ASIDE_INFIX + stamp);
            for (int n = 2; Files.exists(aside); n++) {
                aside = dataDir.resolveSibling(dataDir.getFileName() + SET_ASIDE_INFIX + stamp + "-" + n);
            }
            try {
                Files.move(dataDir, aside, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new PostgresException("could not rename " + dataDir + " to " + aside + ": " + e, e);
            }
            // why forget: the directory is gone on purpose, so an empty one is no lost mount; a copy that fails after
            // this is retried like a new node's, instead of being refused as a data directory that vanished.
            try {
                Files.deleteIfExists(seenClusterFile());
            } catch (IOException e) {
                throw new PostgresException(dataDir + " was set aside as " + aside + ", but " + seenClusterFile()
                        + " could not be deleted: " + e, e);
            }
            LOG.log(System.Logger.Level.INFO, "set the data directory aside: " + dataDir + " is now " + aside);
            return aside;
        }
    }

    @Override
    public void discardSetAside(Path setAside) {
        Path normalized = setAside.toAbsolutePath().normalize();
        if (!normalized.getParent().equals(dataDir.getParent())
                || !normalized.getFileName().toString().startsWith(dataDir.getFileName() + SET_ASIDE_INFIX)) {
            throw new PostgresException("refusing to delete " + setAside + ": it is not a data directory of "
                    + settings.nodeName() + " that a rebuild set aside");
        }
        OwnedFiles.deleteDiscardedDataDirectory(normalized);
    }

    private ControlData controlData() {
        String output = command.check("reading the control file of " + dataDir,
                List.of(binaries.program("pg_controldata"), "-D", dataDir.toString()),
                Map.of("LC_ALL", "C"), QUICK_COMMAND_TIMEOUT);
        try {
            return ControlDataParser.parse(output);
        } catch (IllegalArgumentException e) {
            throw new PostgresException("reading the control file of " + dataDir + " failed: " + e.getMessage()
                    + ". pg_controldata printed:\n" + output, e);
        }
    }

    @Override
    public LocalWal localWal() {
        requireInitialized("reading where the WAL ends");
        ControlData control = controlData();
        long segmentBytes = Long.parseLong(control.fields().getOrDefault("Bytes per WAL segment", "16777216"));
        Map<Long, List<TimelineFork>> histories = timelineHistories();
        long timeline = control.checkpointTimeline();
        Lsn start = control.checkpointLsn();
        Lsn end = walEnd(timeline, start, segmentBytes);
        // why follow: a standby's (or a promoted node's) WAL goes on on a child timeline from its switchpoint, which
        // may lie after the latest checkpoint; a switchpoint before the checkpoint is a branch it never took.
        for (int hops = 0; hops <= histories.size(); hops++) {
            Lsn from = start;
            Lsn to = end;
            long on = timeline;
            Map.Entry<Long, List<TimelineFork>> child = histories.entrySet().stream()
                    .filter(h -> h.getKey() > on && !h.getValue().isEmpty())
                    .filter(h -> last(h.getValue()).parent() == on && !last(h.getValue()).switchpoint().isAfter(to)
                            && !from.isAfter(last(h.getValue()).switchpoint()))
                    .max(Map.Entry.comparingByKey()).orElse(null);
            // why stay on the parent without a segment: a standby writes a new timeline's history file when it
            // first hears of it, before any of that timeline's WAL arrives; its WAL still ends on the parent.
            if (child == null || !hasSegmentFrom(child.getKey(), last(child.getValue()).switchpoint(), segmentBytes)) {
                break;
            }
            timeline = child.getKey();
            start = last(child.getValue()).switchpoint();
            end = walEnd(timeline, start, segmentBytes);
        }
        return new LocalWal(timeline, end, histories.getOrDefault(timeline, List.of()));
    }

    private static TimelineFork last(List<TimelineFork> forks) {
        return forks.get(forks.size() - 1);
    }

    private Map<Long, List<TimelineFork>> timelineHistories() {
        Map<Long, List<TimelineFork>> histories = new java.util.TreeMap<>();
        for (String name : walFileNames("reading the timeline histories of " + dataDir)) {
            long timeline = TimelineHistoryFile.timelineOf(name);
            if (timeline > 0) {
                histories.put(timeline, timelineHistory(timeline));
            }
        }
        return histories;
    }

    private boolean hasSegmentFrom(long timeline, Lsn start, long segmentBytes) {
        return WalFileNames.lastSegment(walFileNames("reading where the WAL of " + dataDir + " ends"), timeline,
                WalFileNames.segmentOf(timeline, start, segmentBytes)).isPresent();
    }

    private List<String> walFileNames(String what) {
        try (java.util.stream.Stream<Path> files = Files.list(dataDir.resolve("pg_wal"))) {
            return files.map(f -> f.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new PostgresException(what + " failed: cannot list " + dataDir.resolve("pg_wal") + ": " + e, e);
        }
    }

    // pg_waldump reads from a record start to the first invalid record and says where that was. Its start and end
    // segment files are named: without them it takes the segment size from whichever WAL file the directory lists
    // first, and a recycled or pre-allocated all-zero segment then makes it fail.
    private Lsn walEnd(long timeline, Lsn start, long segmentBytes) {
        String first = WalFileNames.segmentOf(timeline, start, segmentBytes);
        List<String> names = walFileNames("reading where the WAL of " + dataDir + " ends");
        String last = WalFileNames.lastSegment(names, timeline, first).orElseThrow(() -> new PostgresException(
                "reading where the WAL of " + dataDir + " ends failed: " + dataDir.resolve("pg_wal") + " has no"
                        + " segment file from " + first + " on (timeline " + timeline + ", " + start + ")"));
        ProgramRunner.Result result = command.run("reading where the WAL of timeline " + timeline + " ends",
                List.of(binaries.program("pg_waldump"), "--path=" + dataDir.resolve("pg_wal"),
                        "--start=" + start, "--stats", first, last),
                Map.of("LC_ALL", "C"), LONG_OPERATION_TIMEOUT);
        try {
            // why: every record up to the end of the last segment file was valid; the next one is not written yet
            if (result.succeeded()) {
                return WalDumpEnd.endOf(last, segmentBytes);
            }
            return WalDumpEnd.parse(result.output(), start, segmentBytes);
        } catch (IllegalArgumentException e) {
            throw new PostgresException("reading where the WAL of " + dataDir + " ends failed: " + result.commandLine()
                    + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<DiscardedTransaction> transactionsFrom(long timeline, Lsn from) {
        requireInitialized("reading the WAL past " + from);
        ControlData control = controlData();
        long segmentBytes = Long.parseLong(control.fields().getOrDefault("Bytes per WAL segment", "16777216"));
        Lsn segmentStart = new Lsn(from.value() - from.value() % segmentBytes);
        String first = WalFileNames.segmentOf(timeline, segmentStart, segmentBytes);
        String what = "reading the WAL of " + dataDir + " past " + from + " on timeline " + timeline;
        List<String> names = walFileNames(what);
        String last = WalFileNames.lastSegment(names, timeline, first).orElseThrow(() -> new PostgresException(
                what + " failed: " + dataDir.resolve("pg_wal") + " has no segment file from " + first + " on"));
        // why TZ: pg_waldump prints commit times in its own time zone, and the parser reads them as UTC
        WalDumpTransactions.Reader reader = new WalDumpTransactions.Reader(from);
        ProgramRunner.Result result = command.runStreaming(what, List.of(binaries.program("pg_waldump"),
                        "--path=" + dataDir.resolve("pg_wal"), "--start=" + segmentStart,
                        "--limit=" + DISCARD_REPORT_MAX_RECORDS, first, last),
                Map.of("LC_ALL", "C", "TZ", "UTC"), LONG_OPERATION_TIMEOUT, reader);
        // why a failure is no failure here: pg_waldump always ends with an error at the end of WAL never archived
        if (!result.succeeded() && reader.records() == 0) {
            throw new PostgresException(what + " failed: " + result.commandLine() + " read no record:\n"
                    + result.outputTail());
        }
        return reader.transactions();
    }

    @Override
    public Map<String, RelationName> relationNames(Upstream server, java.util.Collection<String> fileNodes) {
        return CatalogNames.of(server.host(), server.port(), settings.superuser(), settings.superuserPassword(),
                fileNodes);
    }

    @Override
    public void initdb() {
        synchronized (lifecycleLock) {
            requireOpen();
            if (!OwnedFiles.isMissingOrEmpty(dataDir)) {
                throw new DataDirectoryNotEmptyException("initdb", dataDir);
            }
            files.createDirectory(dataDir, "rwx------");
            files.createDirectory(runDir, "rwxr-xr-x");
            // C collation: the same on every host and glibc version, so a standby's indexes match its primary's.
            command.check("initdb of " + dataDir, List.of(binaries.program("initdb"), "-D", dataDir.toString(),
                    "-U", settings.superuser(), "--auth-local=peer", "--auth-host=scram-sha-256",
                    "--encoding=UTF8", "--no-locale"), Map.of(), INITDB_TIMEOUT);
            String appended = "\n# Added by pgpacer: pg_rewind needs hint-bit changes in the WAL.\n"
                    + "wal_log_hints = on\n"
                    + "# pgpacer renders its settings into this file; being included last, it wins.\n"
                    + PgpacerConf.INCLUDE_LINE + "\n";
            try {
                Files.writeString(dataDir.resolve("postgresql.conf"), appended, StandardCharsets.UTF_8,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new PostgresException("initdb of " + dataDir + " failed: could not extend postgresql.conf: " + e, e);
            }
            writeHba(List.of());
        }
    }

    @Override
    public void writeHba(List<String> nodeAddresses) {
        requireInitialized("writing pg_hba.conf");
        String rules = HbaRules.render(nodeAddresses, settings.superuser(), settings.replicationUser(),
                settings.hbaLines());
        files.writeAtomically(dataDir.resolve("pg_hba.conf"), rules, "rw-------");
    }

    @Override
    public void configure(Upstream upstreamOrNull) {
        synchronized (lifecycleLock) {
            requireOpen();
            requireInitialized("configuring " + (upstreamOrNull == null ? "a primary" : "a standby"));
            if (upstreamOrNull != null) {
                // A standby waits for nobody; a primary's sync standbys are chosen anew after each promotion.
                synchronousStandbyNames = "";
            }
            readOnly = false;
            renderRole(upstreamOrNull);
            upstream = upstreamOrNull;
            configured = true;
        }
    }

    @Override
    public void configureReadOnly() {
        synchronized (lifecycleLock) {
            requireOpen();
            requireInitialized("configuring a read-only standby");
            synchronousStandbyNames = "";
            readOnly = true;
            renderRole(null);
            upstream = null;
            configured = true;
        }
    }

    @Override
    public void waitForStandbys(List<String> names, int k) {
        synchronized (lifecycleLock) {
            requireOpen();
            requireInitialized("setting synchronous_standby_names");
            synchronousStandbyNames = PgpacerConf.synchronousStandbyNames(names, k);
            renderRole(upstream);
        }
        if (isRunning()) {
            reload();
        }
    }

    @Override
    public void start() {
        synchronized (lifecycleLock) {
            requireOpen();
            adoptHandedOverPostmaster();
            if (isRunning()) {
                return;
            }
            if (!configured) {
                throw new IllegalStateException("configure(upstream) must be called before start(): it decides"
                        + " whether " + settings.nodeName() + " starts as a primary or as a standby");
            }
            requireInitialized("starting PostgreSQL");
            refuseForeignPostmaster();
            // Re-render: a base backup or pg_rewind copies the upstream's configuration files over ours.
            renderRole(upstream);
            Path logFile = logFile();
            files.touch(logFile, "rw-r-----");
            long logOffset = sizeOf(logFile);
            List<String> program = List.of(binaries.program("postgres"), "-D", dataDir.toString());
            untether();
            Process process = launch(program, logFile);
            postmaster = process.toHandle();
            postmasterExit = process.onExit().thenApply(Process::exitValue);
            waitUntilAcceptingConnections(process, logFile, logOffset);
        }
    }

    @Override
    public void stop(StopMode mode) {
        synchronized (lifecycleLock) {
            adoptHandedOverPostmaster();
            ProcessHandle ours = postmaster;
            boolean oursAlive = alive(ours);
            PostmasterPidFile pidFile = readPidFile();
            boolean foreignAlive = !oursAlive && pidFile != null && ProcessTable.isPostmasterOf(pidFile.pid(), dataDir);
            if (!oursAlive && !foreignAlive) {
                return;
            }
            // why only with the guard: it refuses commits from the revocation on, so the second this may take costs no
            // safety; without it, the immediate stop must not wait for anything.
            if (mode == StopMode.IMMEDIATE && commitGuard) {
                int terminated = sql.endClientWrites();
                LOG.log(System.Logger.Level.INFO, terminated < 0
                        ? "fencing: PostgreSQL did not answer the commit guard's revocation; stopping it anyway"
                        : "fencing: commit guard revoked and " + terminated + " client backends terminated before the"
                                + " immediate shutdown");
            }
            Duration deadline = stopDeadline(mode);
            ProgramRunner.Result result = command.run("stopping PostgreSQL (" + mode.pgCtlName() + ")",
                    List.of(binaries.program("pg_ctl"), "stop", "-D", dataDir.toString(), "-m", mode.pgCtlName(),
                            "-w", "-t", Long.toString(Math.max(1, deadline.toSeconds()))),
                    Map.of(), deadline.plusSeconds(10));
            if (oursAlive) {
                awaitExitOrKill(ours, result, mode == StopMode.IMMEDIATE ? KILLED_EXIT_WAIT_IMMEDIATE : 10);
                untether();
            } else if (!result.succeeded() && ProcessTable.isAlive(pidFile.pid())) {
                throw new PostgresException("stopping PostgreSQL failed: " + result.commandLine()
                        + " exited with status " + result.exitCode() + ":\n" + result.outputTail());
            }
        }
    }

    @Override
    public boolean isRunning() {
        return alive(postmaster);
    }

    @Override
    public long pid() {
        ProcessHandle process = postmaster;
        return alive(process) ? process.pid() : 0;
    }

    @Override
    public CompletableFuture<Integer> exitFuture() {
        return postmasterExit;
    }

    // An adopted postmaster is not our child: once dead it may stay a zombie of a parent that never reaps it.
    private static boolean alive(ProcessHandle process) {
        return process != null && process.isAlive() && !ProcessTable.isZombie(process.pid());
    }

    @Override
    public void promote() {
        sql.promote();
    }

    @Override
    public void reload() {
        PostmasterPidFile pidFile = readPidFile();
        if (!isRunning() && (pidFile == null || !ProcessTable.isPostmasterOf(pidFile.pid(), dataDir))) {
            throw new PostgresException("reloading the configuration of " + dataDir + " failed: PostgreSQL is not running");
        }
        command.check("reloading the configuration of " + dataDir,
                List.of(binaries.program("pg_ctl"), "reload", "-D", dataDir.toString()), Map.of(), QUICK_COMMAND_TIMEOUT);
    }

    @Override
    public void baseBackupFrom(Upstream source, Consumer<CopyProgress> progress) {
        synchronized (lifecycleLock) {
            requireOpen();
            String what = "base backup of " + dataDir + " from " + source.nodeName() + " (" + source.host() + ":"
                    + source.port() + ")";
            if (!OwnedFiles.isMissingOrEmpty(dataDir)) {
                throw new DataDirectoryNotEmptyException(what, dataDir);
            }
            files.createDirectory(runDir, "rwxr-xr-x");
            writePassfile();
            Path staging = dataDir.resolveSibling(dataDir.getFileName() + ".pgpacer-basebackup");
            // Only an interrupted base backup of ours leaves this directory; it never held a used cluster.
            OwnedFiles.deleteOwnStagingTree(staging);
            files.createDirectory(staging, "rwx------");
            String conninfo = Conninfo.replication(source.host(), source.port(), settings.replicationUser(),
                    "pgpacer_basebackup_" + settings.nodeName(), passfile().toString());
            try {
                command.checkStreaming(what, List.of(binaries.program("pg_basebackup"), "--pgdata=" + staging,
                                "--wal-method=stream", "--checkpoint=fast", "--progress", "--no-password",
                                "--dbname=" + conninfo),
                        Map.of("PGPASSFILE", passfile().toString()), LONG_OPERATION_TIMEOUT,
                        line -> ProgressLine.parse(line).ifPresent(progress));
                // rename(2) cannot portably replace a directory; the empty one was checked above and a
                // file appearing in it meanwhile makes this delete fail rather than lose anything.
                Files.deleteIfExists(dataDir);
                Files.move(staging, dataDir, StandardCopyOption.ATOMIC_MOVE);
                dropSourceNodeSettings(what);
            } catch (IOException e) {
                OwnedFiles.deleteOwnStagingTree(staging);
                throw new PostgresException(what + " failed while moving the copy into place: " + e, e);
            } catch (RuntimeException e) {
                OwnedFiles.deleteOwnStagingTree(staging);
                throw e;
            }
        }
    }

    @Override
    public void rewindFrom(Upstream source, Consumer<CopyProgress> progress) {
        synchronized (lifecycleLock) {
            requireOpen();
            String what = "pg_rewind of " + dataDir + " from " + source.nodeName() + " (" + source.host() + ":"
                    + source.port() + ")";
            PostmasterPidFile pidFile = readPidFile();
            if (isRunning() || (pidFile != null && ProcessTable.isPostmasterOf(pidFile.pid(), dataDir))) {
                throw new PostgresException(what + " refused: PostgreSQL is running; stop it first");
            }
            DataDirState state = inspect();
            if (!state.initialized()) {
                throw new PostgresException(what + " refused: " + dataDir + " holds no cluster; use a base backup");
            }
            files.createDirectory(runDir, "rwxr-xr-x");
            writePassfile();
            // why first: a refused source must leave the target's data directory exactly as it was.
            try (JdbcSession sourceSql = new JdbcSession(source.host(), source.port(), settings.superuser(),
                    settings.superuserPassword())) {
                sourceSql.prepareAsRewindSource(source.nodeName());
            }
            String output;
            try {
                if (!state.cleanlyShutDown() && state.standbySignal()) {
                    finishStandbyRecovery(what);
                } else if (!state.cleanlyShutDown()) {
                    finishCrashRecovery(what);
                }
                String conninfo = Conninfo.rewindSource(source.host(), source.port(), settings.superuser(),
                        passfile().toString());
                output = command.checkStreaming(what, List.of(binaries.program("pg_rewind"),
                        "--target-pgdata=" + dataDir, "--progress", "--source-server=" + conninfo),
                        Map.of("PGPASSFILE", passfile().toString()), LONG_OPERATION_TIMEOUT,
                        line -> ProgressLine.parse(line).ifPresent(progress));
            } catch (PostgresException e) {
                // why typed: the source answered above, so this failure is the data directory's own and a second
                // pg_rewind meets it again; the agent rebuilds the node instead (NodeMachine, auto-rewind).
                throw new RewindFailedException(e.getMessage() + "\n" + rewindTargetSummary(), e);
            }
            // why without the progress lines: the log keeps what pg_rewind found and did, not its once-a-second counts.
            LOG.log(System.Logger.Level.INFO, what + ": " + output.lines()
                    .filter(line -> ProgressLine.parse(line).isEmpty()).collect(Collectors.joining("\n")).strip());
            dropSourceNodeSettings(what);
        }
    }

    // What pg_rewind read of the target before it gave up: its control file's positions and the timeline history
    // files in its pg_wal, which decide where pg_rewind looks for the fork.
    private String rewindTargetSummary() {
        try {
            ControlData control = controlData();
            List<String> histories = walFileNames("listing " + dataDir.resolve("pg_wal")).stream()
                    .filter(name -> TimelineHistoryFile.timelineOf(name) > 0).sorted().toList();
            return "the target's control file: " + control.clusterState() + ", latest checkpoint "
                    + control.checkpointLsn() + " on timeline " + control.checkpointTimeline() + ", minimum recovery"
                    + " ending location " + control.minRecoveryEnd() + " on timeline "
                    + control.minRecoveryEndTimeline()
                    + "; timeline histories in pg_wal: "
                    + (histories.isEmpty() ? "none" : String.join(", ", histories));
        } catch (PostgresException e) {
            return "the target's control file could not be read: " + e.getMessage();
        }
    }

    // A copy brings the source's postgresql.auto.conf, which overrides pgpacer.conf: its settings of the source node's
    // own (AutoConf.NODE_SETTINGS) would make this one, e.g., a standby that streams from nobody.
    private void dropSourceNodeSettings(String what) {
        Path autoConf = dataDir.resolve("postgresql.auto.conf");
        if (!Files.isRegularFile(autoConf)) {
            return;
        }
        AutoConf.Cleaned cleaned;
        try {
            cleaned = AutoConf.without(Files.readString(autoConf), AutoConf.NODE_SETTINGS);
        } catch (IOException e) {
            throw new PostgresException(what + ": could not read the copied " + autoConf + ": " + e, e);
        }
        if (!cleaned.dropped().isEmpty()) {
            files.writeAtomically(autoConf, cleaned.text(), "rw-------");
            LOG.log(System.Logger.Level.WARNING, what + ": dropped " + String.join(", ", cleaned.dropped())
                    + " from the copied postgresql.auto.conf: set with ALTER SYSTEM on the source, they described"
                    + " that node; pgpacer.conf sets this node's own");
        }
    }

    @Override
    public void ensureRoles() {
        sql.ensureRoles(settings.replicationUser(), settings.replicationPassword(), settings.superuser(),
                settings.superuserPassword());
    }

    @Override
    public boolean commitGuardInstalled() {
        return Files.isRegularFile(binaries.libraryDir().resolve(PgpacerConf.COMMIT_GUARD_LIBRARY + ".so"));
    }

    @Override
    public void loadCommitGuard() {
        commitGuard = true;
    }

    @Override
    public Optional<CommitGuardState> grantCommitGuard(long epoch, LongSupplier validMillisAfterAnchor) {
        return sql.grantCommitGuard(epoch, validMillisAfterAnchor);
    }

    @Override
    public io.pgpacer.core.probe.ProbeProgress.Result commitProbe(String node, long timeoutMillis,
            java.util.function.Consumer<String> stage) {
        return sql.commitProbe(node, timeoutMillis, stage);
    }

    @Override
    public Optional<CommitGuardState> commitGuardState() {
        return commitGuard ? sql.commitGuardState() : Optional.empty();
    }

    @Override
    public PgObservation observe() {
        // why the unlocked look first: health checks observe too, and must not wait behind a start that holds the lock.
        if (!adoptionChecked) {
            synchronized (lifecycleLock) {
                if (!closed) {
                    adoptHandedOverPostmaster();
                }
            }
        }
        ProcessHandle process = postmaster;
        boolean running = alive(process);
        PgObservation observed = sql.observe(running, running ? process.pid() : 0);
        if (!observed.reachable() || !observed.inRecovery()) {
            return observed;
        }
        // A standby's received timeline vanishes with its WAL receiver and its checkpoint's lags behind;
        // the newest timeline history file it received says which timeline its WAL follows.
        long timeline = Math.max(observed.timeline(), newestHistoryTimeline());
        return timeline == observed.timeline() ? observed : observed.withTimeline(timeline);
    }

    @Override
    public List<TimelineFork> timelineHistory(long timeline) {
        Path file = dataDir.resolve("pg_wal").resolve(TimelineHistoryFile.nameOf(timeline));
        try {
            return TimelineHistoryFile.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException | IllegalArgumentException e) {
            throw new PostgresException("reading the timeline history file " + file + " failed: " + e.getMessage(), e);
        }
    }

    private long newestHistoryTimeline() {
        try (java.util.stream.Stream<Path> files = Files.list(dataDir.resolve("pg_wal"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches("[0-9A-F]{8}\\.history"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, 8), 16)).max().orElse(0);
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        synchronized (lifecycleLock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                // Only our own postmaster: stop() would also stop one someone else started on this directory.
                if (!detached && isRunning()) {
                    stop(StopMode.FAST);
                }
            } catch (PostgresException e) {
                LOG.log(System.Logger.Level.WARNING, "stopping PostgreSQL while closing failed: " + e.getMessage());
                ProcessHandle process = postmaster;
                if (process != null) {
                    process.destroyForcibly();
                }
            } finally {
                postmasterLauncher.shutdown();
                sql.close();
            }
        }
    }

    @Override
    public String toString() {
        return "LocalPostgresInstance[" + settings.nodeName() + ", " + dataDir + ", port " + settings.port() + "]";
    }

    // The postmaster and its tether start on the launcher thread, whose end is what the tether's death signal follows.
    private Process launch(List<String> program, Path logFile) {
        try {
            return postmasterLauncher.submit(() -> {
                Process process = command.startPostmaster(program, Map.of(), logFile);
                try {
                    tether = command.startTether(process.pid());
                } catch (PostgresException e) {
                    process.destroyForcibly();
                    throw e;
                }
                return process;
            }).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new PostgresException("starting PostgreSQL failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("starting PostgreSQL was interrupted", e);
        }
    }

    private void waitUntilAcceptingConnections(Process process, Path logFile, long logOffset) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        String lastStatus = null;
        try {
            while (true) {
                if (process.waitFor(START_POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new PostgresException("starting PostgreSQL on " + dataDir + " failed: the postmaster exited"
                            + " with status " + process.exitValue() + ". Last lines of " + logFile + ":\n"
                            + logTail(logFile, logOffset));
                }
                PostmasterPidFile pidFile = readPidFile();
                // A stale pid file from a killed postmaster may still say "ready": only ours counts.
                if (pidFile != null && pidFile.pid() == process.pid()) {
                    if (pidFile.acceptsConnections()) {
                        return;
                    }
                    lastStatus = pidFile.status();
                }
                if (System.nanoTime() > deadline) {
                    throw new PostgresException("starting PostgreSQL on " + dataDir + " failed: it did not accept"
                            + " connections within " + startTimeout.toSeconds() + " s (status '" + lastStatus
                            + "'; a standby accepts connections only once its WAL is consistent, so check that"
                            + " its upstream is reachable). It is still running as pid " + process.pid()
                            + ". Last lines of " + logFile + ":\n" + logTail(logFile, logOffset));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("waiting for PostgreSQL to start was interrupted; it is running as pid "
                    + process.pid(), e);
        }
    }

    /** How long an immediate stop may take before the postmaster gets SIGKILL: it only signals its children to quit. */
    static final Duration IMMEDIATE_STOP_DEADLINE = Duration.ofSeconds(5);

    // why a short deadline for immediate: it is how fencing and a gray failure stop a primary whose postmaster may be
    // hung (stopped, or stuck on a frozen file system); a fast stop may legitimately spend minutes on its checkpoint.
    private Duration stopDeadline(StopMode mode) {
        return mode == StopMode.IMMEDIATE && stopTimeout.compareTo(IMMEDIATE_STOP_DEADLINE) > 0
                ? IMMEDIATE_STOP_DEADLINE : stopTimeout;
    }

    // why short: after SIGKILL a process runs no more of PostgreSQL's code, even one blocked in the kernel (a frozen
    // file system) that dies only when it wakes up; fencing and a gray failure need not wait for that.
    private static final long KILLED_EXIT_WAIT_IMMEDIATE = 2;

    private void awaitExitOrKill(ProcessHandle process, ProgramRunner.Result pgCtl, long killedExitWaitSeconds) {
        try {
            if (exited(process, pgCtl.succeeded() ? 5 : 0)) {
                return;
            }
            // Only the postmaster we started gets SIGKILL, and the children it had then; most exit by themselves when
            // they see it gone, but a stopped one (SIGSTOP) never looks, and would keep the shared memory that a new
            // postmaster refuses to share.
            List<ProcessHandle> children = process.children().toList();
            LOG.log(System.Logger.Level.WARNING, "PostgreSQL on " + dataDir + " did not stop ("
                    + pgCtl.commandLine() + ": " + pgCtl.outputTail() + "); sending SIGKILL to pid " + process.pid()
                    + " and its " + children.size() + " children");
            process.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
            if (!exited(process, killedExitWaitSeconds)) {
                throw new PostgresException("stopping PostgreSQL failed: postmaster pid " + process.pid()
                        + " survived SIGKILL for " + killedExitWaitSeconds + " s (blocked in the kernel, such as on a"
                        + " frozen file system: it dies when it wakes up)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("stopping PostgreSQL was interrupted; pid " + process.pid() + " may still run", e);
        }
    }

    private static boolean exited(ProcessHandle process, long seconds) throws InterruptedException {
        try {
            process.onExit().get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
            return !alive(process);
        }
    }

    /**
     * Lets the running postmaster outlive this instance, for a planned restart of the agent: ends its tether, and
     * writes down which postmaster the next instance on this data directory may adopt. Only a standby may be left
     * so (the caller checks): a standby writes nothing, and nothing promotes it while no agent runs. Closing this
     * instance afterwards leaves PostgreSQL running.
     *
     * @return the postmaster's pid
     * @throws PostgresException if no postmaster of this instance runs, or the hand-over cannot be written
     */
    @Override
    public long detach() {
        synchronized (lifecycleLock) {
            requireOpen();
            ProcessHandle process = postmaster;
            if (!alive(process)) {
                throw new PostgresException("cannot keep PostgreSQL running across the agent's restart: it does not"
                        + " run");
            }
            Instant started = process.info().startInstant().orElseThrow(() -> new PostgresException("cannot keep"
                    + " PostgreSQL running across the agent's restart: the start time of postmaster " + process.pid()
                    + " cannot be read"));
            Path handover = runDir.resolve(HANDOVER_FILE);
            try {
                Files.writeString(handover, process.pid() + " " + started + "\n", StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new PostgresException("cannot keep PostgreSQL running across the agent's restart: writing "
                        + handover + " failed: " + e.getMessage(), e);
            }
            untether();
            detached = true;
            LOG.log(System.Logger.Level.INFO, "PostgreSQL (postmaster " + process.pid() + ") keeps running for the"
                    + " next agent, which adopts it through " + handover);
            return process.pid();
        }
    }

    // Once per instance, before anything looks at or starts PostgreSQL: adopt the postmaster a planned restart of the
    // previous agent left running, if it is still that very process (its pid and start time) on this data directory.
    private void adoptHandedOverPostmaster() {
        if (adoptionChecked) {
            return;
        }
        adoptionChecked = true;
        Path handover = runDir.resolve(HANDOVER_FILE);
        String text;
        try {
            text = Files.readString(handover, StandardCharsets.UTF_8).strip();
            Files.delete(handover);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read or remove " + handover + " (" + e.getMessage()
                    + "); not adopting a running PostgreSQL");
            return;
        }
        String[] fields = text.split(" ");
        Optional<ProcessHandle> process = Optional.empty();
        Instant started = null;
        try {
            if (fields.length == 2) {
                process = ProcessHandle.of(Long.parseLong(fields[0]));
                started = Instant.parse(fields[1]);
            }
        } catch (RuntimeException e) {
            process = Optional.empty();
        }
        Instant recorded = started;
        Optional<ProcessHandle> same = process.filter(p -> alive(p) && ProcessTable.isPostmasterOf(p.pid(), dataDir)
                && p.info().startInstant().filter(recorded::equals).isPresent());
        if (same.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, handover + " named postmaster '" + text + "', which no longer runs on "
                    + dataDir + "; nothing to adopt");
            return;
        }
        ProcessHandle adopted = same.get();
        postmaster = adopted;
        postmasterExit = adopted.onExit().thenApply(p -> -1);
        try {
            tether = postmasterLauncher.submit(() -> command.startTether(adopted.pid())).get();
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "adopted PostgreSQL (postmaster " + adopted.pid() + ") but could not"
                    + " tie it to this agent: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(System.Logger.Level.INFO, "adopted the running PostgreSQL (postmaster " + adopted.pid() + ") that the"
                + " previous agent left for it");
    }

    // The tether has no trap for SIGKILL: ending it so leaves the postmaster as it is.
    private void untether() {
        Process process = tether;
        tether = null;
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Single-user mode replays the WAL and writes a shutdown checkpoint, which pg_rewind requires. */
    // pg_rewind needs a cleanly shut down target; a node that crashed as a primary gets crash recovery in single-user
    // mode first (as pg_rewind itself would run it).
    private void finishCrashRecovery(String what) {
        // archive_mode=on with a failing command keeps WAL that was never archived marked as pending.
        command.check(what + ": crash recovery in single-user mode",
                List.of(binaries.program("postgres"), "--single", "-D", dataDir.toString(),
                        "-c", "archive_mode=on", "-c", "archive_command=false", "postgres"),
                Map.of(), LONG_OPERATION_TIMEOUT);
    }

    // A node that crashed as a standby (its agent was killed, and its postmaster with it) cannot take that route: a
    // single-user server refuses standby mode ("standby mode is not supported by single-user servers", issue 12), and
    // crash recovery without it would end recovery and write a checkpoint of its own into the timeline it shares with
    // the primary, WAL pg_rewind cannot tell apart from the primary's. So it is started as the standby it was, with
    // no upstream (it replays only the WAL it has and writes none), and shut down again: "shut down in recovery".
    private void finishStandbyRecovery(String what) {
        try {
            configureReadOnly();
            start();
            stop(StopMode.FAST);
        } catch (PostgresException e) {
            throw new PostgresException(what + ": finishing the crashed standby's recovery failed: " + e.getMessage(),
                    e);
        } finally {
            configured = false;
        }
        DataDirState after = inspect();
        if (!after.cleanlyShutDown()) {
            throw new PostgresException(what + ": the crashed standby did not shut down cleanly (state '"
                    + after.clusterState() + "')");
        }
    }

    private void renderRole(Upstream upstreamOrNull) {
        files.createDirectory(runDir, "rwxr-xr-x");
        writePassfile();
        String primaryConninfo = upstreamOrNull == null ? null : Conninfo.replication(upstreamOrNull.host(),
                upstreamOrNull.port(), settings.replicationUser(), settings.nodeName(), passfile().toString());
        Map<String, String> parameters = PgpacerConf.parameters(new PgpacerConf.Inputs(binaries.majorVersion(),
                settings.listenAddress(), settings.port(), runDir.toString(), settings.nodeName(),
                settings.parameters(), primaryConninfo, synchronousStandbyNames, commitGuard));
        files.writeAtomically(dataDir.resolve(PgpacerConf.FILE_NAME), PgpacerConf.render(parameters), "rw-------");
        Path standbySignal = dataDir.resolve(STANDBY_SIGNAL);
        if (upstreamOrNull != null || readOnly) {
            files.touch(standbySignal, "rw-------");
        } else {
            try {
                Files.deleteIfExists(standbySignal);
            } catch (IOException e) {
                throw new PostgresException("could not remove " + standbySignal + ": " + e, e);
            }
        }
    }

    private void writePassfile() {
        List<Passfile.Entry> entries = new ArrayList<>();
        if (settings.replicationPassword() != null) {
            entries.add(Passfile.Entry.anywhere(settings.replicationUser(), settings.replicationPassword()));
        }
        if (settings.superuserPassword() != null) {
            entries.add(Passfile.Entry.anywhere(settings.superuser(), settings.superuserPassword()));
        }
        // libpq ignores a passfile that group or others can read.
        files.writeAtomically(passfile(), Passfile.render(entries), "rw-------");
    }

    private Path passfile() {
        return runDir.resolve(PASSFILE);
    }

    private void refuseForeignPostmaster() {
        PostmasterPidFile pidFile = readPidFile();
        if (pidFile == null) {
            return;
        }
        if (ProcessTable.isPostmasterOf(pidFile.pid(), dataDir)) {
            throw new PostmasterAlreadyRunningException(dataDir, pidFile.pid());
        }
        // PostgreSQL's lock-file check sees a zombie as alive and would blame "another postmaster". A zombie
        // is dead (init systems that never reap orphans leave them), so once none of its backends still works
        // in the data directory, its lock file is stale and may be set aside.
        if (ProcessTable.isZombie(pidFile.pid())) {
            List<Long> stillWorking = ProcessTable.workingIn(dataDir);
            if (!stillWorking.isEmpty()) {
                throw new PostgresException("cannot start PostgreSQL on " + dataDir + " yet: the previous postmaster"
                        + " (pid " + pidFile.pid() + ") is dead but processes " + stillWorking
                        + " still work in the data directory; they exit on their own shortly");
            }
            setAsideStaleLock(dataDir.resolve(PostmasterPidFile.FILE_NAME), pidFile.pid());
            setAsideStaleLock(runDir.resolve(".s.PGSQL." + settings.port() + ".lock"), pidFile.pid());
        }
    }

    // Moves a lock file of a dead postmaster aside (kept, for the curious), if it still names that postmaster.
    private static void setAsideStaleLock(Path lock, long deadPid) {
        try {
            List<String> lines = Files.readAllLines(lock, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.get(0).trim().equals(Long.toString(deadPid))) {
                return;
            }
            Files.move(lock, lock.resolveSibling(lock.getFileName() + ".zombie-" + deadPid),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            // nothing to set aside
        } catch (IOException e) {
            throw new PostgresException("cannot set aside the stale lock file " + lock + " of dead postmaster "
                    + deadPid + ": " + e.getMessage(), e);
        }
    }

    private PostmasterPidFile readPidFile() {
        try {
            return PostmasterPidFile.parse(Files.readString(dataDir.resolve(PostmasterPidFile.FILE_NAME)));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | IllegalArgumentException e) {
            // Being written right now, or garbage: either way it names no postmaster we can talk about.
            return null;
        }
    }

    private void requireInitialized(String what) {
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
            throw new PostgresException(what + " failed: " + dataDir + " holds no PostgreSQL cluster (no PG_VERSION);"
                    + " run initdb or a base backup first");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The last lines PostgreSQL wrote since {@code offset}, where its own error message is. */
    private static String logTail(Path logFile, long offset) {
        final int maxBytes = 64 * 1024;
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            long start = Math.max(offset, file.length() - maxBytes);
            byte[] bytes = new byte[(int) Math.max(0, file.length() - start)];
            file.seek(start);
            file.readFully(bytes);
            List<String> lines = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\\R"));
            List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_LINES_IN_ERRORS), lines.size());
            String text = String.join("\n", tail).strip();
            return text.isEmpty() ? "(PostgreSQL wrote nothing)" : text;
        } catch (IOException e) {
            return "(could not read " + logFile + ": " + e.getMessage() + ")";
        }
    }
}
