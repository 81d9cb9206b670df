package io.pgpacer.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pgpacer.core.cib.PgState;
import io.pgpacer.core.resource.OnFail;
import io.pgpacer.core.resource.Operation;
import io.pgpacer.core.resource.PostgresClone;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The settled loop's pace follows msPostgresql's role-specific monitors ({@code op monitor role=Master}). */
class AgentMonitorIntervalTest {

    private static Operation monitor(long interval, String role) {
        return new Operation("monitor", interval, 20_000, OnFail.RESTART, role);
    }

    @Test
    void eachRoleTakesItsOwnMonitorIntervalElseTheConfiguredOne() {
        PostgresClone clone = new PostgresClone(List.of(monitor(2_000, PostgresClone.MASTER),
                monitor(5_000, PostgresClone.SLAVE)), null);
        assertEquals(2_000, Agent.monitorIntervalMillis(clone, PgState.PRIMARY, 1_000));
        assertEquals(5_000, Agent.monitorIntervalMillis(clone, PgState.STANDBY, 1_000));
        assertEquals(5_000, Agent.monitorIntervalMillis(clone, PgState.STOPPED, 1_000), "not primary: the Slave role");
        assertEquals(1_000, Agent.monitorIntervalMillis(PostgresClone.DEFAULT, PgState.PRIMARY, 1_000));
        PostgresClone onlyMaster = new PostgresClone(List.of(monitor(3_000, PostgresClone.MASTER)), null);
        assertEquals(1_000, Agent.monitorIntervalMillis(onlyMaster, PgState.STANDBY, 1_000));
        PostgresClone anyRole = new PostgresClone(List.of(monitor(4_000, null)), null);
        assertEquals(4_000, Agent.monitorIntervalMillis(anyRole, PgState.STANDBY, 1_000));
        assertEquals(5_000, Agent.monitorIntervalMillis(clone, null, 1_000), "before the first report: the Slave role");
    }
}
