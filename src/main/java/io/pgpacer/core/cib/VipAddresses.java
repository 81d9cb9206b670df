package io.pgpacer.core.cib;

import io.pgpacer.core.resource.Constraint;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.Score;
import java.util.ArrayList;
import java.util.List;

/**
 * The writer and reader VIPs the agents' configuration file names ({@code virtual-ips}), as operators read them
 * ({@code 192.168.28.41/24 on eth0}); each null when not configured. Status and {@code resource list} show them as the
 * reference's {@code vip-master} in {@code master-group} and {@code vip-slave} in {@code slave-group}.
 */
public record VipAddresses(String writer, String reader) {

    public static final VipAddresses NONE = new VipAddresses(null, null);

    public static final String WRITER_ID = "vip-master";
    public static final String WRITER_GROUP = "master-group";
    public static final String READER_ID = "vip-slave";
    public static final String READER_GROUP = "slave-group";

    /** The ids of the built-in VIP resources and groups that are configured. */
    public List<String> ids() {
        List<String> ids = new ArrayList<>();
        if (writer != null) {
            ids.addAll(List.of(WRITER_ID, WRITER_GROUP));
        }
        if (reader != null) {
            ids.addAll(List.of(READER_ID, READER_GROUP));
        }
        return ids;
    }

    /**
     * The reference's constraints on its VIP groups, which pgpacer keeps by construction (the writer VIP follows the
     * lease and the promotion, the reader VIP a healthy standby): colocation with the master or a slave at INFINITY,
     * start after promote, stop after demote.
     */
    public List<Constraint> constraints() {
        List<Constraint> constraints = new ArrayList<>();
        if (writer != null) {
            constraints.addAll(groupConstraints(WRITER_GROUP, PostgresClone.MASTER));
        }
        if (reader != null) {
            constraints.addAll(groupConstraints(READER_GROUP, PostgresClone.SLAVE));
        }
        return constraints;
    }

    private static List<Constraint> groupConstraints(String group, String role) {
        String clone = PostgresClone.ID;
        return List.of(
                new Constraint.Colocation("colocation-" + group + "-" + clone + "-INFINITY", group, clone, role,
                        Score.INFINITY),
                new Constraint.Ordering("order-" + clone + "-" + group + "-mandatory", "promote", clone, "start",
                        group),
                new Constraint.Ordering("order-" + clone + "-" + group + "-Optional", "demote", clone, "stop", group));
    }
}
