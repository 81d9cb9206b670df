\echo Use "CREATE EXTENSION pgpacer_guard" to load this file. \quit

-- CREATE EXTENSION writes the catalogs, and the agent needs these functions before it can grant the first
-- lease; this lets exactly this transaction commit on a node that holds none yet.
CREATE FUNCTION pgpacer.install_exemption() RETURNS void
    AS 'MODULE_PATHNAME', 'pgpacer_install_exemption' LANGUAGE C VOLATILE;
SELECT pgpacer.install_exemption();
REVOKE ALL ON FUNCTION pgpacer.install_exemption() FROM PUBLIC;

-- This server's CLOCK_MONOTONIC in nanoseconds: the anchor for extend_lease.
CREATE FUNCTION pgpacer.clock_ns() RETURNS bigint
    AS 'MODULE_PATHNAME', 'pgpacer_clock_ns' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

-- Grants lease generation epoch until anchor_ns + valid_ms; only the agent's role may call it.
CREATE FUNCTION pgpacer.extend_lease(epoch bigint, anchor_ns bigint, valid_ms bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'pgpacer_extend_lease' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION pgpacer.extend_lease(bigint, bigint, bigint) FROM PUBLIC;

-- Ends the lease now.
CREATE FUNCTION pgpacer.revoke_lease() RETURNS void
    AS 'MODULE_PATHNAME', 'pgpacer_revoke_lease' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION pgpacer.revoke_lease() FROM PUBLIC;

-- The lease generation this node last held (0: none since PostgreSQL started); also SHOW pgpacer.epoch.
CREATE FUNCTION pgpacer.epoch() RETURNS bigint
    AS 'MODULE_PATHNAME', 'pgpacer_epoch' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

CREATE FUNCTION pgpacer.state(OUT epoch bigint, OUT remaining_ms bigint, OUT refused_commits bigint,
                              OUT withheld_acks bigint)
    AS 'MODULE_PATHNAME', 'pgpacer_state' LANGUAGE C VOLATILE STRICT PARALLEL SAFE;

GRANT USAGE ON SCHEMA pgpacer TO PUBLIC;
