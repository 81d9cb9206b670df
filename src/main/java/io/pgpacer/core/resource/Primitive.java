package io.pgpacer.core.resource;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A primitive resource an operator created ({@code pgpacer resource create vip-extra ip ip=198.18.0.50}).
 *
 * @param params the kind's parameters ({@link ResourceKind#parameters()}), in the order given
 */
public record Primitive(String id, ResourceKind kind, Map<String, String> params, List<Operation> operations,
        ResourceMeta meta) {

    public Primitive {
        params = Collections.unmodifiableMap(new LinkedHashMap<>(params == null ? Map.of() : params));
        operations = operations == null ? List.of() : List.copyOf(operations);
        meta = meta == null ? ResourceMeta.DEFAULT : meta;
    }

    /** The operation {@code name}, or the kind's default when the resource names none. */
    public Operation operation(String name) {
        return operations.stream().filter(o -> o.name().equals(name)).findFirst()
                .orElseGet(() -> defaultOperation(name));
    }

    public Optional<String> param(String name) {
        return Optional.ofNullable(params.get(name));
    }

    public Primitive withMeta(ResourceMeta newMeta) {
        return new Primitive(id, kind, params, operations, newMeta);
    }

    /** The reference's defaults: monitor every 10 s, 20 s for each operation, restart on failure, block on stop. */
    public static Operation defaultOperation(String name) {
        return switch (name) {
            case "monitor" -> Operation.monitor(10_000, Operation.DEFAULT_TIMEOUT_MILLIS, OnFail.RESTART);
            case "stop" -> Operation.stop(Operation.DEFAULT_TIMEOUT_MILLIS, OnFail.BLOCK);
            default -> Operation.start(Operation.DEFAULT_TIMEOUT_MILLIS, OnFail.RESTART);
        };
    }
}
