package io.pgpacer.store.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgpacer.config.TlsConfig;
import io.pgpacer.core.cib.ClusterSettings;
import io.pgpacer.core.cib.NodeSpec;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.store.StoreUnavailableException;
import io.pgpacer.testkit.Eventually;
import io.pgpacer.testkit.TestCertificates;
import io.pgpacer.testkit.TestCertificates.Authority;
import io.pgpacer.testkit.TestCertificates.Issued;
import io.pgpacer.tls.NodeTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Ratis group with mutual TLS: members with the cluster CA's certificates form it; another CA's cannot. */
class RatisTlsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    private static Authority ca;
    private static Authority otherCa;

    private LocalRatisGroup group;

    @BeforeAll
    static void makeAuthorities() {
        ca = TestCertificates.authority(dir, "cluster-ca");
        otherCa = TestCertificates.authority(dir, "other-ca");
    }

    @AfterEach
    void stopGroup() {
        if (group != null) {
            group.close();
        }
    }

    private static RaftTls tls(Authority issuer, String member) {
        Issued issued = issuer.issue(member);
        NodeTls identity = NodeTls.load(new TlsConfig(null, issued.certFile(), issued.keyFile(), issuer.certFile()));
        // Every member trusts the cluster's CA: only its own certificate decides whether the others accept it.
        return new RaftTls(identity.keyManager(), NodeTls.trusting(ca.certFile(), "ca").trustManager());
    }

    @Test
    void aGroupWithTheClusterCasCertificatesFormsAndCommits() {
        group = new LocalRatisGroup(3, RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD, member -> tls(ca, member)).start();
        String leader = group.awaitLeader(LocalRatisGroup.STARTUP);
        CommandResult result = initialize(group.aFollower().orElseThrow());
        assertTrue(result.applied(), result.message());
        for (String member : group.members()) {
            Eventually.await(member + " to apply the command it received over TLS", TIMEOUT,
                    () -> group.store(member).localCopy().initialized());
        }
        assertEquals("tls-it", group.store(leader).read(TIMEOUT).clusterName());
    }

    @Test
    void aMemberWithAnotherCasCertificateCanNeitherJoinNorTalk() {
        group = new LocalRatisGroup(3, RatisStoreConfig.DEFAULT_SNAPSHOT_THRESHOLD,
                member -> tls(member.equals("node3") ? otherCa : ca, member)).start();
        // With one member unreachable, a leader that misses one heartbeat round steps down, and Ratis then lets it
        // stand again only after its step-down wait (10 s); the other member's log is behind, so it cannot win.
        group.awaitLeader(Duration.ofSeconds(30));
        assertTrue(initialize("node1").applied());
        Eventually.await("node2 to apply the command", TIMEOUT, () -> group.store("node2").localCopy().initialized());

        // The majority goes on without node3, which never receives an entry and cannot reach the leader.
        RatisClusterStore intruder = group.store("node3");
        StoreUnavailableException refused = assertThrows(StoreUnavailableException.class,
                () -> intruder.submit(new StoreCommand.CleanupFailures(null), Duration.ofSeconds(2)));
        assertTrue(refused.getMessage().contains("store command CleanupFailures"), refused.getMessage());
        assertFalse(intruder.localCopy().initialized(), "node3 must not have received the CIB");
        assertFalse(intruder.isLeader());
        long committed = group.store("node1").info().commitIndex();
        assertTrue(group.store("node1").submit(new StoreCommand.CleanupFailures(null), TIMEOUT).applied());
        assertTrue(group.store("node1").info().commitIndex() > committed, "the majority still commits");
        assertEquals(-1, intruder.info().commitIndex(), "node3 has not even the group's first entry (index 0): "
                + group.members().stream().collect(Collectors.toMap(m -> m, m -> group.store(m).info())));
    }

    private CommandResult initialize(String via) {
        List<NodeSpec> nodes = group.members().stream().map(m -> new NodeSpec(m, "127.0.0.1", 0, 0, 5432, false))
                .toList();
        return group.store(via).submit(new StoreCommand.InitializeCluster("tls-it", nodes, ClusterSettings.DEFAULTS),
                LocalRatisGroup.STARTUP);
    }
}
