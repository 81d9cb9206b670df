package io.pgpacer.testkit;

import io.pgpacer.testkit.lab.LabCluster;
import java.lang.reflect.Field;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Keeps the data of a failed test's cluster and prints the agents' last log lines, so that CI output and the
 * directory explain the failure. For test classes with a {@link ClusterHarness} field
 * ({@code @ExtendWith(KeepClusterOnFailure.class)}).
 */
public final class KeepClusterOnFailure implements TestWatcher {

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        context.getTestInstance().ifPresent(test -> {
            for (Field field : test.getClass().getDeclaredFields()) {
                field.setAccessible(true);
                try {
                    if (field.get(test) instanceof ClusterHarness cluster) {
                        cluster.keepData();
                        System.err.println(cluster.logTails());
                    } else if (field.get(test) instanceof LabCluster cluster) {
                        cluster.keepData();
                        System.err.println(cluster.logTails());
                    }
                } catch (IllegalAccessException e) {
                    System.err.println("cannot keep the cluster of " + test.getClass().getSimpleName() + ": " + e);
                }
            }
        });
    }
}
