package io.pgpacer.core.resource;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The kinds of primitive resource an operator can create, with the parameters each accepts. */
public enum ResourceKind {
    /** A virtual IP address with IPaddr2 semantics: {@code ip addr add}, gratuitous ARP, {@code ip addr del}. */
    IP("ocf::heartbeat:IPaddr2", List.of("ip", "cidr_netmask", "nic"), List.of("ip")),
    /**
     * The operator's own start, stop and monitor commands (pgbouncer and the like), run by {@code /bin/sh -c}; their
     * exit codes mean what OCF says (0 success, 7 not running, anything else a failure).
     */
    EXEC("pgpacer:exec", List.of("start", "stop", "monitor", "user"), List.of("start", "stop", "monitor"));

    private final String agent;
    private final List<String> parameters;
    private final List<String> required;

    ResourceKind(String agent, List<String> parameters, List<String> required) {
        this.agent = agent;
        this.parameters = parameters;
        this.required = required;
    }

    /** How status output names the agent, as {@code crm_mon} does ({@code ocf::heartbeat:IPaddr2}). */
    public String agent() {
        return agent;
    }

    public List<String> parameters() {
        return parameters;
    }

    public List<String> required() {
        return required;
    }

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind {@code text} names; {@code IPaddr2} is accepted for {@link #IP}, as pcs users write it. */
    public static ResourceKind parse(String text) {
        String value = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (value.equals("ipaddr2") || value.equals("ocf:heartbeat:ipaddr2")) {
            return IP;
        }
        return Arrays.stream(values()).filter(k -> k.text().equals(value)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown resource type '" + text + "'; types are "
                        + Arrays.stream(values()).map(ResourceKind::text).collect(Collectors.joining(", "))
                        + " (IPaddr2 is accepted for ip)"));
    }
}
