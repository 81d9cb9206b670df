package io.pgpacer.testkit;

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
                if (field.getType() == ClusterHarness.class) {
                    field.setAccessible(true);
                    try {
                        ClusterHarness cluster = (ClusterHarness) field.get(test);
                        if (cluster != null) {
                            cluster.keepData();
                            System.err.println(cluster.logTails());
                        }
                    } catch (IllegalAccessException e) {
                        System.err.println("cannot keep the cluster of " + test.getClass().getSimpleName() + ": " + e);
                    }
                }
            }
        });
    }
}
