package io.pgpacer.core.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Operator changes of resources: each valid one does what pcs does, each bad one is refused with the reason. */
class ResourceEditsTest {

    private static final List<String> NODES = List.of("node1", "node2", "node3");
    private static final Resources SAMPLE = ResourceFixtures.sample();

    private static ResourceEdits.Result apply(ResourceEdit edit) {
        return ResourceEdits.apply(SAMPLE, edit, NODES);
    }

    @Test
    void createAddsAPrimitiveAtTheEndOfItsGroup() {
        ResourceEdits.Result result = apply(new ResourceEdit.Create("reports-ip2", "IPaddr2",
                Map.of("ip", "198.18.0.61", "cidr_netmask", "24"), List.of(), null, "reports-group", false));
        assertEquals(List.of("reports-ip", "reports-ip2"), result.resources().group("reports-group").orElseThrow()
                .members());
        assertEquals(ResourceKind.IP, result.resources().primitive("reports-ip2").orElseThrow().kind());
        assertEquals("created reports-ip2 (ocf::heartbeat:IPaddr2) in group reports-group", result.change());
    }

    @Test
    void deleteRemovesTheConstraintsThatNameIt() {
        ResourceEdits.Result result = apply(new ResourceEdit.Delete("pgbouncer"));
        assertTrue(result.resources().primitive("pgbouncer").isEmpty());
        assertTrue(result.resources().constraints().stream().noneMatch(c -> c.resources().contains("pgbouncer")));
        assertEquals("deleted pgbouncer; removed the constraints that named it: [colocation-pgbouncer-msPostgresql-"
                + "INFINITY, order-msPostgresql-pgbouncer-mandatory]", result.change());
    }

    @Test
    void banMoveAndClearCreateAndRemoveTheirLocationConstraints() {
        Resources banned = apply(new ResourceEdit.Ban("pgbouncer", "node2")).resources();
        Resources moved = ResourceEdits.apply(banned, new ResourceEdit.Move("pgbouncer", "node3"), NODES).resources();
        assertEquals(List.of("cli-ban-pgbouncer-on-node2", "cli-prefer-pgbouncer"), moved.constraints().stream()
                .filter(c -> c.resources().contains("pgbouncer") && c instanceof Constraint.Location)
                .map(Constraint::id).toList());
        ResourceEdits.Result cleared = ResourceEdits.apply(moved, new ResourceEdit.Clear("pgbouncer", null), NODES);
        assertEquals(SAMPLE.constraints(), cleared.resources().constraints());
        assertEquals("removed cli-ban-pgbouncer-on-node2, cli-prefer-pgbouncer", cleared.change());
    }

    @Test
    void disableAndUnmanageChangeOnlyTheMetaAttributes() {
        Resources changed = apply(new ResourceEdit.SetMeta("reports-group", false, false)).resources();
        assertEquals(new ResourceMeta(false, false, null), changed.group("reports-group").orElseThrow().meta());
        assertEquals(new ResourceMeta(false, false, 2), changed.effectiveMeta("reports-ip"));
    }

    @Test
    void aConstraintWithoutIdGetsTheIdPcsWouldGiveIt() {
        ResourceEdits.Result result = apply(new ResourceEdit.AddConstraint(new Constraint.Location(null, "pgbouncer",
                "node1", 50, Constraint.Location.USER)));
        assertEquals("added constraint pgbouncer prefers node1 (score:50) (id:location-pgbouncer-node1-50)",
                result.change());
    }

    static Stream<Arguments> badChanges() {
        return Stream.of(
                Arguments.of(new ResourceEdit.Delete("nope"), "unknown resource 'nope'; resources are [msPostgresql,"
                        + " pgbouncer, reports-ip, reports-group]"),
                Arguments.of(new ResourceEdit.Delete("msPostgresql"), "msPostgresql is PostgreSQL itself and cannot be"
                        + " deleted; 'pgpacer resource disable msPostgresql' stops it on every node"),
                Arguments.of(new ResourceEdit.Create("pgbouncer", "exec", Map.of(), List.of(), null, null, false),
                        "resource id 'pgbouncer' is already in use; choose another id or delete the resource first"),
                Arguments.of(new ResourceEdit.Create("x", "haproxy", Map.of(), List.of(), null, null, false),
                        "unknown resource type 'haproxy'; types are ip, exec (IPaddr2 is accepted for ip)"),
                Arguments.of(new ResourceEdit.Create("x", "ip", Map.of("ip", "198.18.0.300"), List.of(), null, null,
                        false), "resource 'x': VIP address '198.18.0.300'"),
                Arguments.of(new ResourceEdit.Create("x", "ip", Map.of("ip", "198.18.0.3", "netmask", "24"),
                        List.of(), null, null, false), "resource 'x': unknown parameter 'netmask' for type ip; its"
                        + " parameters are [ip, cidr_netmask, nic]"),
                Arguments.of(new ResourceEdit.Create("x", "exec", Map.of("start", "true"), List.of(), null, null,
                        false), "resource 'x': parameter 'stop' is required for type exec; resource 'x': parameter"
                        + " 'monitor' is required for type exec"),
                Arguments.of(new ResourceEdit.Create("x", "exec", Map.of("start", "a", "stop", "b", "monitor", "c"),
                        List.of(Operation.monitor(0, 1000, OnFail.RESTART)), null, null, false),
                        "resource 'x' operation 'monitor': a monitor needs an interval above 0, such as interval=10s"),
                Arguments.of(new ResourceEdit.Create("9x", "exec", Map.of("start", "a", "stop", "b", "monitor", "c"),
                        List.of(), null, null, false), "resource id '9x' is not valid: an id starts with a letter"),
                Arguments.of(new ResourceEdit.Ban("pgbouncer", "node9"), "unknown data node 'node9'; data nodes are"
                        + " [node1, node2, node3]"),
                Arguments.of(new ResourceEdit.Move("msPostgresql", "node2"), "the primary of msPostgresql moves by a"
                        + " switchover: 'pgpacer switchover --to node2'"),
                Arguments.of(new ResourceEdit.RemoveConstraint("c9"), "unknown constraint 'c9'; constraints are"
                        + " [colocation-pgbouncer-msPostgresql-INFINITY"),
                Arguments.of(new ResourceEdit.AddConstraint(new Constraint.Colocation(null, "vip9", "msPostgresql",
                        "Master", Score.INFINITY)), "the constraint names the missing resource 'vip9'"),
                Arguments.of(new ResourceEdit.AddConstraint(new Constraint.Colocation(null, "reports-ip",
                        "msPostgresql", "Master", Score.INFINITY)), "names 'reports-ip', a member of group"
                        + " 'reports-group'; constrain the group instead"),
                Arguments.of(new ResourceEdit.AddConstraint(new Constraint.Ordering(null, "promote", "pgbouncer",
                        "start", "reports-group")), "only msPostgresql is promoted or demoted; 'pgbouncer' starts and"
                        + " stops"),
                Arguments.of(new ResourceEdit.AddConstraint(new Constraint.Location(null, "msPostgresql", "node1",
                        100, Constraint.Location.USER)), "msPostgresql runs on every data node; a location constraint"
                        + " can only keep it off one"),
                Arguments.of(new ResourceEdit.AddConstraint(new Constraint.Location("far", "pgbouncer", "node1",
                        5_000_000, Constraint.Location.USER)), "constraint 'far': score 5000000 is out of range; use"
                        + " -INFINITY..INFINITY (INFINITY is 1000000)"),
                Arguments.of(new ResourceEdit.Update("msPostgresql", Map.of(), List.of(new Operation("monitor",
                        3000, 1000, OnFail.BLOCK, "Master")), null), "on-fail 'block' is not supported for the"
                        + " PostgreSQL clone"));
    }

    @ParameterizedTest
    @MethodSource("badChanges")
    void aBadChangeIsRefusedWithTheReason(ResourceEdit edit, String expectedStart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> apply(edit));
        assertTrue(e.getMessage().startsWith(expectedStart) || e.getMessage().contains(expectedStart),
                "expected the message to say '" + expectedStart + "', got: " + e.getMessage());
    }
}
