/*-------------------------------------------------------------------------
 *
 * pgpacer_guard.c
 *	  Lease-fenced commits: a commit that wrote refuses to complete once this
 *	  node's primary lease, as the pgpacer agent last extended it, has run out.
 *
 * Shared memory holds the lease deadline as a CLOCK_MONOTONIC instant and the
 * lease generation (epoch). The agent extends the deadline after every lease
 * renewal with pgpacer.extend_lease(epoch, anchor_ns, valid_ms), where anchor_ns
 * is a pgpacer.clock_ns() reading the agent took after the renewal was sent:
 * the deadline is then anchored to this server's own clock at a moment that
 * follows the renewal, so neither a shared clock origin nor the latency of the
 * call (an agent frozen between computing and sending) can move it later than
 * the agent's own fencing deadline.
 *
 * Two checks:
 *	- XACT_EVENT_PRE_COMMIT / PRE_PREPARE (after deferred triggers, before the
 *	  commit record): a transaction with an XID fails with SQLSTATE 25006 once
 *	  the deadline has passed or while none was granted since the start;
 *	- XACT_EVENT_COMMIT (after the commit record was written, flushed and, in
 *	  sync mode, acknowledged by the standbys, but before the client hears of
 *	  it): if the deadline passed in between (the backend froze, the flush
 *	  stalled), the backend sends nothing more and ends its connection, so the
 *	  commit is never
 *	  acknowledged. It is durable locally; pg_rewind discards it when this node
 *	  rejoins behind the new primary.
 *
 * Autovacuum is exempt: its writes (statistics, frozen XIDs) are acknowledged to
 * nobody, are discarded with the rest of a stale primary's WAL, and refusing
 * them after a restart would only block anti-wraparound work and fill the log.
 *
 * Portions written for pgpacer; PostgreSQL 12 and later.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "postmaster/autovacuum.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/dest.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

PG_MODULE_MAGIC;

/* Which sources this library was built from (see the Makefile): found in the installed file by bin/ensure-deps. */
#ifndef PGPACER_GUARD_SOURCE_ID
#define PGPACER_GUARD_SOURCE_ID "unknown"
#endif
__attribute__((used)) static const char source_id[] = "pgpacer_guard source " PGPACER_GUARD_SOURCE_ID;

#define NANOS_PER_MILLI INT64CONST(1000000)

typedef struct GuardState
{
	slock_t		mutex;
	int64		deadline_ns;	/* CLOCK_MONOTONIC; 0 while no lease was granted */
	int64		epoch;			/* lease generation; 0 while none was granted */
	pg_atomic_uint64 refused;	/* commits refused before their record */
	pg_atomic_uint64 withheld;	/* commits whose acknowledgement was withheld */
} GuardState;

static GuardState *guard = NULL;

static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif

static char *epoch_setting = NULL;

/* Per transaction, in this backend. */
static bool installing_this_xact = false;
static bool pre_commit_checked = false;

void		_PG_init(void);

PG_FUNCTION_INFO_V1(pgpacer_clock_ns);
PG_FUNCTION_INFO_V1(pgpacer_extend_lease);
PG_FUNCTION_INFO_V1(pgpacer_revoke_lease);
PG_FUNCTION_INFO_V1(pgpacer_epoch);
PG_FUNCTION_INFO_V1(pgpacer_state);
PG_FUNCTION_INFO_V1(pgpacer_install_exemption);

static int64
monotonic_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		elog(PANIC, "pgpacer: clock_gettime(CLOCK_MONOTONIC) failed: %m");
	return (int64) ts.tv_sec * INT64CONST(1000000000) + ts.tv_nsec;
}

static Size
guard_shmem_size(void)
{
	return MAXALIGN(sizeof(GuardState));
}

#if PG_VERSION_NUM >= 150000
static void
guard_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(guard_shmem_size());
}
#endif

static void
guard_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	guard = ShmemInitStruct("pgpacer_guard", guard_shmem_size(), &found);
	if (!found)
	{
		SpinLockInit(&guard->mutex);
		guard->deadline_ns = 0;
		guard->epoch = 0;
		pg_atomic_init_u64(&guard->refused, 0);
		pg_atomic_init_u64(&guard->withheld, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

static void
read_lease(int64 *deadline_ns, int64 *epoch)
{
	SpinLockAcquire(&guard->mutex);
	*deadline_ns = guard->deadline_ns;
	*epoch = guard->epoch;
	SpinLockRelease(&guard->mutex);
}

static bool
guarded_process(void)
{
	if (guard == NULL)
		return false;
#if PG_VERSION_NUM >= 170000
	return !AmAutoVacuumWorkerProcess() && !AmAutoVacuumLauncherProcess();
#else
	return !IsAutoVacuumWorkerProcess() && !IsAutoVacuumLauncherProcess();
#endif
}

static bool
lease_valid_now(int64 *deadline_ns, int64 *epoch, int64 *now_ns)
{
	read_lease(deadline_ns, epoch);
	*now_ns = monotonic_ns();
	return *deadline_ns != 0 && *now_ns < *deadline_ns;
}

/* The wall-clock time at which the monotonic instant deadline_ns was (or will be). */
static const char *
wall_time_of(int64 deadline_ns, int64 now_ns)
{
	return timestamptz_to_str(GetCurrentTimestamp() - (now_ns - deadline_ns) / 1000);
}

static void
refuse_commit(const char *what)
{
	int64		deadline_ns;
	int64		epoch;
	int64		now_ns;

	if (lease_valid_now(&deadline_ns, &epoch, &now_ns))
		return;
	pg_atomic_fetch_add_u64(&guard->refused, 1);
	if (deadline_ns == 0)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("pgpacer: this node holds no primary lease (none was granted since PostgreSQL started); "
						"the primary may have moved"),
				 errdetail("The %s was refused before its commit record; nothing was written.", what),
				 errhint("Write to the current primary; the pgpacer agent grants the lease here once it holds it.")));
	ereport(ERROR,
			(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
			 errmsg("pgpacer: this node's primary lease expired at %s; the primary may have moved",
					wall_time_of(deadline_ns, now_ns)),
			 errdetail("Lease generation " INT64_FORMAT "; the %s was refused before its commit record; "
					   "nothing was written.", epoch, what),
			 errhint("Write to the current primary.")));
}

/*
 * The commit record is written but the client has not heard of it: if the
 * lease ran out meanwhile, nobody may be told it succeeded.
 */
static void
withhold_late_acknowledgement(void)
{
	int64		deadline_ns;
	int64		epoch;
	int64		now_ns;

	if (lease_valid_now(&deadline_ns, &epoch, &now_ns))
		return;
	pg_atomic_fetch_add_u64(&guard->withheld, 1);
	ereport(LOG_SERVER_ONLY,
			(errmsg("pgpacer: the lease (generation " INT64_FORMAT ") ran out while a commit was being written; "
					"closing the client's connection so that the commit is never acknowledged", epoch)));
	if (whereToSendOutput == DestRemote)
	{
		/* Nothing more reaches the client, and the backend ends before it reads another command. */
		whereToSendOutput = DestNone;
		ProcDiePending = true;
		InterruptPending = true;
	}
}

static void
guard_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (!guarded_process() || installing_this_xact)
				return;
			pre_commit_checked = true;
			if (TransactionIdIsValid(GetTopTransactionIdIfAny()))
				refuse_commit("commit");
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (guarded_process() && !installing_this_xact
				&& TransactionIdIsValid(GetTopTransactionIdIfAny()))
				refuse_commit("prepared transaction");
			break;
		case XACT_EVENT_COMMIT:
			/*
			 * The XID is still set here, and it covers one assigned after the
			 * pre-commit check too (NOTIFY takes one there): a commit record
			 * was written for it.
			 */
			if (pre_commit_checked && TransactionIdIsValid(GetTopTransactionIdIfAny()))
				withhold_late_acknowledgement();
			installing_this_xact = false;
			pre_commit_checked = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_ABORT:
			installing_this_xact = false;
			pre_commit_checked = false;
			break;
		default:
			break;
	}
}

static const char *
show_epoch(void)
{
	static char buffer[32];
	int64		deadline_ns;
	int64		epoch;

	if (guard == NULL)
		return "";
	read_lease(&deadline_ns, &epoch);
	snprintf(buffer, sizeof(buffer), INT64_FORMAT, epoch);
	return buffer;
}

void
_PG_init(void)
{
	DefineCustomStringVariable("pgpacer.epoch",
							   "The primary lease generation this node last held (0: none since it started).",
							   "Read-only; the pgpacer agent sets it with each lease grant.",
							   &epoch_setting,
							   "",
							   PGC_INTERNAL,
							   GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   NULL, NULL, show_epoch);
	if (!process_shared_preload_libraries_in_progress)
		return;
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = guard_shmem_request;
#else
	RequestAddinShmemSpace(guard_shmem_size());
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = guard_shmem_startup;
	RegisterXactCallback(guard_xact_callback, NULL);
}

static void
require_loaded(void)
{
	if (guard == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pgpacer: pgpacer_guard is not loaded: add it to shared_preload_libraries and restart PostgreSQL")));
}

Datum
pgpacer_clock_ns(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(monotonic_ns());
}

/*
 * extend_lease(epoch, anchor_ns, valid_ms): the lease of generation epoch is
 * valid until anchor_ns + valid_ms on this server's CLOCK_MONOTONIC. A later
 * generation replaces the deadline; the same one only moves it later (each
 * grant is safe by itself, so the latest-ending one is); an earlier one is
 * refused. Returns the milliseconds left (negative once passed).
 */
Datum
pgpacer_extend_lease(PG_FUNCTION_ARGS)
{
	int64		epoch = PG_GETARG_INT64(0);
	int64		anchor_ns = PG_GETARG_INT64(1);
	int64		valid_ms = PG_GETARG_INT64(2);
	int64		now_ns;
	int64		deadline_ns;
	int64		held_epoch;

	require_loaded();
	now_ns = monotonic_ns();
	if (epoch < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("pgpacer: lease generation " INT64_FORMAT " is not a generation; it must be 1 or more", epoch)));
	if (anchor_ns > now_ns || anchor_ns <= 0)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("pgpacer: anchor " INT64_FORMAT " is not a reading of this server's clock; take it from pgpacer.clock_ns()", anchor_ns)));
	if (valid_ms < 0 || valid_ms > INT64CONST(86400000))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("pgpacer: validity " INT64_FORMAT " ms is out of range; it must be between 0 and 86400000", valid_ms)));
	SpinLockAcquire(&guard->mutex);
	held_epoch = guard->epoch;
	if (epoch > held_epoch)
	{
		guard->epoch = epoch;
		guard->deadline_ns = anchor_ns + valid_ms * NANOS_PER_MILLI;
	}
	else if (epoch == held_epoch)
		guard->deadline_ns = Max(guard->deadline_ns, anchor_ns + valid_ms * NANOS_PER_MILLI);
	deadline_ns = guard->deadline_ns;
	SpinLockRelease(&guard->mutex);
	if (epoch < held_epoch)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("pgpacer: lease generation " INT64_FORMAT " is stale: this node already had generation " INT64_FORMAT, epoch, held_epoch)));
	PG_RETURN_INT64((deadline_ns - now_ns) / NANOS_PER_MILLI);
}

/* Ends the lease now: every later commit that wrote is refused. */
Datum
pgpacer_revoke_lease(PG_FUNCTION_ARGS)
{
	int64		now_ns;

	require_loaded();
	now_ns = monotonic_ns();
	SpinLockAcquire(&guard->mutex);
	if (guard->deadline_ns > now_ns)
		guard->deadline_ns = now_ns;
	SpinLockRelease(&guard->mutex);
	PG_RETURN_VOID();
}

Datum
pgpacer_epoch(PG_FUNCTION_ARGS)
{
	int64		deadline_ns;
	int64		epoch;

	require_loaded();
	read_lease(&deadline_ns, &epoch);
	PG_RETURN_INT64(epoch);
}

/* state(): epoch, remaining_ms (NULL while none was granted), refused_commits, withheld_acks */
Datum
pgpacer_state(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int64		deadline_ns;
	int64		epoch;
	int64		now_ns;

	require_loaded();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "pgpacer.state() must return a composite type");
	read_lease(&deadline_ns, &epoch);
	now_ns = monotonic_ns();
	values[0] = Int64GetDatum(epoch);
	if (deadline_ns == 0)
		nulls[1] = true;
	else
		values[1] = Int64GetDatum((deadline_ns - now_ns) / NANOS_PER_MILLI);
	values[2] = Int64GetDatum((int64) pg_atomic_read_u64(&guard->refused));
	values[3] = Int64GetDatum((int64) pg_atomic_read_u64(&guard->withheld));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * Called by the install script only: CREATE EXTENSION is a write, and the agent
 * needs the extension's functions before it can grant the first lease.
 */
Datum
pgpacer_install_exemption(PG_FUNCTION_ARGS)
{
	if (!creating_extension)
		ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						errmsg("pgpacer: install_exemption() is only for CREATE EXTENSION pgpacer_guard")));
	installing_this_xact = true;
	PG_RETURN_VOID();
}
