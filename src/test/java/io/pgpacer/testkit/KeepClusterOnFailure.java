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
            // why the superclasses too: a test class may inherit its cluster field (one test, two modes).
            java.util.List<Field> fields = new java.util.ArrayList<>();
            for (Class<?> type = test.getClass(); type != null; type = type.getSuperclass()) {
                fields.addAll(java.util.List.of(type.getDeclaredFields()));
            }
            for (Field field : fields) {
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
