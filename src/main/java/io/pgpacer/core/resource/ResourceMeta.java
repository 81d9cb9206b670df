package io.pgpacer.core.resource;

/**
 * A resource's meta attributes.
 *
 * @param enabled Pacemaker's {@code target-role}: false keeps the resource stopped everywhere ({@code resource disable})
 * @param managed Pacemaker's {@code is-managed}: false means observe and report, never start, stop or recover
 * @param migrationThreshold failures on a node before the resource leaves it; null takes the cluster property
 */
public record ResourceMeta(boolean enabled, boolean managed, Integer migrationThreshold) {

    public static final ResourceMeta DEFAULT = new ResourceMeta(true, true, null);

    public ResourceMeta withEnabled(boolean value) {
        return new ResourceMeta(value, managed, migrationThreshold);
    }

    public ResourceMeta withManaged(boolean value) {
        return new ResourceMeta(enabled, value, migrationThreshold);
    }
}
