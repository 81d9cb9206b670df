package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.config.ConfigException;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.model.Durations;
import io.pgpacer.core.resource.Operation;
import io.pgpacer.core.resource.PostgresClone;
import io.pgpacer.core.resource.Primitive;
import io.pgpacer.core.resource.ResourceEdit;
import io.pgpacer.core.resource.ResourceSyntax;
import io.pgpacer.core.resource.ResourceFailCount;
import io.pgpacer.core.resource.ResourceMeta;
import io.pgpacer.core.resource.ResourceState;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.store.CibJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgpacer resource ...}: the PostgreSQL clone, the operator's primitives and groups. */
@Command(name = "resource", description = {"Manage resources: PostgreSQL, IP addresses, exec resources and groups.",
        "The PostgreSQL clone (" + PostgresClone.ID + "), IP addresses (ip, IPaddr2 semantics), exec resources"
        + " (your start/stop/monitor commands) and groups of them.",
        "pcs equivalent: 'pcs resource ...'."},
        subcommands = {ResourceCommand.ListResources.class, ResourceCommand.Show.class, ResourceCommand.Create.class,
                ResourceCommand.Delete.class, ResourceCommand.Update.class, ResourceCommand.Enable.class,
                ResourceCommand.Disable.class, ResourceCommand.Manage.class, ResourceCommand.Unmanage.class,
                ResourceCommand.Restart.class, ResourceCommand.Cleanup.class, ResourceCommand.Move.class,
                ResourceCommand.Ban.class, ResourceCommand.Clear.class})
final class ResourceCommand {

    @Command(name = "list", aliases = "status", description = {"List every resource and where it runs.",
            "pcs equivalent: 'pcs resource status' ('pcs resource show' in pcs 0.9)."})
    static final class ListResources implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Override
        public Integer call() {
            try {
                ClusterStatus s = target.client().status();
                System.out.print(StatusPrinter.postgresSet(s) + StatusPrinter.resources(s.resources()));
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("resource list", e);
            }
        }
    }

    @Command(name = "show", aliases = "config", description = {"Show one resource's type, parameters, operations and constraints.",
            "Also its meta attributes and its state on each node.",
            "pcs equivalent: 'pcs resource config RESOURCE' ('pcs resource show RESOURCE' in pcs 0.9)."})
    static final class Show implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(paramLabel = "RESOURCE")
        String id;

        @Override
        public Integer call() {
            try {
                Cib cib = CibJson.decodeCib(target.client().cib().toString().getBytes(StandardCharsets.UTF_8));
                if (cib.settings().vipAddresses().ids().contains(id)) {
                    System.out.print(describeBuiltIn(cib, id));
                    return 0;
                }
                if (!cib.resources().exists(id)) {
                    System.err.println("pgpacer resource show: " + cib.resources().unknown(id));
                    return Main.BAD_INPUT;
                }
                System.out.print(describe(cib, id));
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("resource show", e);
            }
        }
    }

    @Command(name = "create", description = {"Create a primitive resource, optionally in a group (created if new).",
            "  ip:   ip=ADDRESS [cidr_netmask=PREFIX] [nic=INTERFACE]",
            "  exec: start=COMMAND stop=COMMAND monitor=COMMAND [user=OS_USER]"
                    + " (monitor exit 0 = running, 7 = stopped, else failed)",
            "Then any of: op start|stop|monitor [interval=10s] [timeout=20s]"
                    + " [on-fail=restart|stop|block|ignore|standby]; meta migration-threshold=N.",
            "Example: pgpacer resource create pgbouncer exec start='pgbouncer -d /etc/pgbouncer.ini' ...",
            "pcs equivalent: 'pcs resource create ID TYPE NAME=VALUE... op ... meta ... [--group GROUP]'."})
    static final class Create implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Parameters(index = "1", paramLabel = "TYPE", description = "ip (or IPaddr2) or exec.")
        String type;

        @Parameters(index = "2..*", paramLabel = "ARG", description = "NAME=VALUE parameters, op ..., meta ...")
        List<String> words = new ArrayList<>();

        @Option(names = "--group", paramLabel = "GROUP", description = "Add it at the end of this group.")
        String group;

        @Option(names = "--disabled", description = "Create it stopped ('resource enable' starts it).")
        boolean disabled;

        @Override
        public Integer call() {
            return change(target, "resource create", () -> {
                ResourceSyntax.Definition d = ResourceSyntax.definition(words);
                return new ResourceEdit.Create(id, type, d.params(), d.operations(), d.migrationThreshold(), group,
                        disabled);
            });
        }
    }

    @Command(name = "delete", aliases = "remove", description = {"Delete a primitive or a group (with its members), stopped first.",
            "Every constraint that names it is deleted too.",
            "pcs equivalent: 'pcs resource delete RESOURCE'."})
    static final class Delete extends OnOneResource {

        @Override
        ResourceEdit edit() {
            return new ResourceEdit.Delete(id);
        }
    }

    @Command(name = "update", description = {"Change a resource's parameters, operations or migration-threshold.",
            "NAME= removes a parameter. For " + PostgresClone.ID + ", change its operations, e.g.",
            "  pgpacer resource update " + PostgresClone.ID + " op monitor role=Master interval=3s",
            "pcs equivalent: 'pcs resource update RESOURCE ...'."})
    static final class Update implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(index = "0", paramLabel = "RESOURCE")
        String id;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "ARG")
        List<String> words;

        @Override
        public Integer call() {
            return change(target, "resource update", () -> {
                ResourceSyntax.Definition d = ResourceSyntax.definition(words);
                return new ResourceEdit.Update(id, d.params(), d.operations(), d.migrationThreshold());
            });
        }
    }

    @Command(name = "enable", description = {"Let a disabled resource run again.",
            "pcs equivalent: 'pcs resource enable RESOURCE'."})
    static final class Enable extends OnOneResource {

        @Override
        ResourceEdit edit() {
            return new ResourceEdit.SetMeta(id, true, null);
        }
    }

    @Command(name = "disable", description = {"Stop a resource everywhere and keep it stopped.",
            "For " + PostgresClone.ID + " that stops PostgreSQL on every node.",
            "pcs equivalent: 'pcs resource disable RESOURCE'."})
    static final class Disable extends OnOneResource {

        @Override
        ResourceEdit edit() {
            return new ResourceEdit.SetMeta(id, false, null);
        }
    }

    @Command(name = "manage", description = {"Let pgpacer start, stop and recover the resource again.",
            "pcs equivalent: 'pcs resource manage RESOURCE'."})
    static final class Manage extends OnOneResource {

        @Override
        ResourceEdit edit() {
            return new ResourceEdit.SetMeta(id, null, true);
        }
    }

    @Command(name = "unmanage", description = {"Observe and report the resource, never start, stop or recover it.",
            "The primary still fences itself when it loses its lease.",
            "pcs equivalent: 'pcs resource unmanage RESOURCE'."})
    static final class Unmanage extends OnOneResource {

        @Override
        ResourceEdit edit() {
            return new ResourceEdit.SetMeta(id, null, false);
        }
    }

    @Command(name = "restart", description = {"Stop and start a resource once, wherever it runs or on one node.",
            "For " + PostgresClone.ID + ", PostgreSQL keeps its role.",
            "pcs equivalent: 'pcs resource restart RESOURCE [NODE]'."})
    static final class Restart implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(index = "0", paramLabel = "RESOURCE")
        String id;

        @Parameters(index = "1", arity = "0..1", paramLabel = "NODE")
        String node;

        @Override
        public Integer call() {
            try {
                AgentTarget.printApplied(target.client().restartResource(id, node));
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("resource restart", e);
            }
        }
    }

    /** Resets fail-counts and failed actions so that a node may run a resource again. */
    @Command(name = "cleanup", description = {"Reset fail-counts and failed actions, of one resource or of all.",
            "On one node (--node) or on every node.", "pcs equivalent: 'pcs resource cleanup [RESOURCE] [--node NODE]'."})
    static final class Cleanup implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(arity = "0..1", paramLabel = "RESOURCE", description = "Only this resource (default: all).")
        String resource;

        @Option(names = "--node", description = "Only this node (default: all nodes).")
        String node;

        @Override
        public Integer call() {
            try {
                AgentTarget.printApplied(target.client().cleanup(resource, node));
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("resource cleanup", e);
            }
        }
    }

    /** pcs's way to move a resource; for the PostgreSQL clone, a switchover. */
    @Command(name = "move", description = {"Move a resource to NODE, until 'resource clear'.",
            "A location constraint of INFINITY, cli-prefer-RESOURCE; for " + PostgresClone.ID + ", a zero-loss"
            + " switchover as 'pgpacer switchover --to NODE'.", "pcs equivalent: 'pcs resource move RESOURCE NODE'."})
    static final class Move implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(index = "0", paramLabel = "RESOURCE")
        String resource;

        @Parameters(index = "1", paramLabel = "NODE")
        String node;

        @Override
        public Integer call() {
            if (PostgresClone.ID.equals(resource)) {
                try {
                    return SwitchoverCommand.run(target.client(), node, null, null, true, 30);
                } catch (ConfigException | ApiClient.ApiException e) {
                    return AgentTarget.failed("resource move", e);
                }
            }
            return change(target, "resource move", () -> new ResourceEdit.Move(resource, node));
        }
    }

    @Command(name = "ban", description = {"Keep a resource off NODE, until 'resource clear'.",
            "A location constraint of -INFINITY, cli-ban-RESOURCE-on-NODE; " + PostgresClone.ID + " banned from a"
            + " node stops PostgreSQL there.", "pcs equivalent: 'pcs resource ban RESOURCE NODE'."})
    static final class Ban implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(index = "0", paramLabel = "RESOURCE")
        String resource;

        @Parameters(index = "1", paramLabel = "NODE")
        String node;

        @Override
        public Integer call() {
            return change(target, "resource ban", () -> new ResourceEdit.Ban(resource, node));
        }
    }

    @Command(name = "clear", description = {"Remove the constraints that 'resource move' and 'resource ban' created.",
            "On every node, or on NODE only.", "pcs equivalent: 'pcs resource clear RESOURCE [NODE]'."})
    static final class Clear implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(index = "0", paramLabel = "RESOURCE")
        String resource;

        @Parameters(index = "1", arity = "0..1", paramLabel = "NODE")
        String node;

        @Override
        public Integer call() {
            return change(target, "resource clear", () -> new ResourceEdit.Clear(resource, node));
        }
    }

    /** A change of one resource named on the command line; the subclass says which. */
    abstract static class OnOneResource implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(paramLabel = "RESOURCE")
        String id;

        abstract ResourceEdit edit();

        @Override
        public Integer call() {
            return change(target, "resource " + getClass().getAnnotation(Command.class).name(), this::edit);
        }
    }

    /** A change that is read from the command line (bad words: exit 2 before any request) and sent to an agent. */
    interface EditReader {
        ResourceEdit read();
    }

    static int change(AgentTarget target, String command, EditReader reader) {
        ResourceEdit edit;
        try {
            edit = reader.read();
        } catch (IllegalArgumentException e) {
            System.err.println("pgpacer " + command + ": " + e.getMessage());
            return Main.BAD_INPUT;
        }
        try {
            AgentTarget.printApplied(target.client().changeResources(edit));
            return 0;
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed(command, e);
        }
    }

    /** One resource as {@code pcs resource config} shows it, with its state on each node. */
    static String describe(Cib cib, String id) {
        StringBuilder out = new StringBuilder();
        ResourceMeta meta = cib.resources().meta(id).orElseThrow();
        if (PostgresClone.ID.equals(id)) {
            out.append(" Master: ").append(PostgresClone.ID).append(" (master-max=1 master-node-max=1 clone-max=")
                    .append(cib.dataNodes().size()).append(" clone-node-max=1)\n");
            out.append("  Resource: ").append(PostgresClone.PRIMITIVE).append(" (pgpacer:postgresql)\n");
            out.append("   Attributes: rep_mode=").append(cib.settings().sync().mode().name()
                    .toLowerCase(java.util.Locale.ROOT)).append(" node_list=").append(quoted(String.join(" ",
                            cib.dataNodes().stream().map(io.pgpacer.core.cib.NodeSpec::name).toList())));
            if (cib.settings().vipAddresses().writer() != null) {
                out.append(" master_ip=").append(cib.settings().vipAddresses().writer().split("/")[0]);
            }
            out.append(" primary_conninfo_opt=").append(quoted(io.pgpacer.postgres.conf.Conninfo
                    .replicationOptions())).append('\n');
            out.append("   (from the agents' configuration file, with repuser, pgdata and the binaries; change them"
                    + " there)\n");
            operations(out, cib.resources().postgres().operations());
        } else if (cib.resources().group(id).isPresent()) {
            out.append(" Group: ").append(id).append('\n');
            cib.resources().group(id).get().members().forEach(m -> out.append(describe(cib, m)));
        } else {
            Primitive p = cib.resources().primitive(id).orElseThrow();
            out.append(" Resource: ").append(id).append(" (").append(p.kind().agent()).append(")\n");
            out.append("  Attributes:");
            p.params().forEach((k, v) -> out.append(' ').append(k).append('=').append(quoted(v)));
            out.append('\n');
            List<Operation> ops = new ArrayList<>();
            Operation.PRIMITIVE_OPERATIONS.forEach(name -> ops.add(p.operation(name)));
            operations(out, ops);
            out.append("  State:");
            cib.reports().forEach((node, report) -> {
                ResourceState state = report.resources().get(id);
                if (state != null) {
                    out.append(' ').append(node).append('=').append(state.state());
                }
            });
            out.append(cib.resourceRuntime().nodeOf(id).map(n -> " (placed on " + n + ")").orElse(" (placed nowhere)"))
                    .append('\n');
            for (ResourceFailCount f : cib.resourceRuntime().failCounts()) {
                if (f.resource().equals(id)) {
                    out.append("  Fail-count on ").append(f.node()).append(": ").append(f.count())
                            .append(" (last failure ").append(f.lastFailureAt()).append(")\n");
                }
            }
        }
        out.append("  Meta Attrs: target-role=").append(meta.enabled() ? "Started" : "Stopped").append(" is-managed=")
                .append(meta.managed()).append(meta.migrationThreshold() == null ? ""
                        : " migration-threshold=" + meta.migrationThreshold()).append('\n');
        cib.resources().constraints().stream().filter(c -> c.resources().contains(id))
                .forEach(c -> out.append("  Constraint: ").append(c.render()).append('\n'));
        return out.toString();
    }

    // vip-master, vip-slave and their groups: from the agents' configuration file, with the reference's constraints
    static String describeBuiltIn(Cib cib, String id) {
        io.pgpacer.core.cib.VipAddresses vips = cib.settings().vipAddresses();
        boolean writer = id.startsWith("vip-master") || id.equals(io.pgpacer.core.cib.VipAddresses.WRITER_GROUP);
        String group = writer ? io.pgpacer.core.cib.VipAddresses.WRITER_GROUP
                : io.pgpacer.core.cib.VipAddresses.READER_GROUP;
        StringBuilder out = new StringBuilder(" Group: " + group + "\n");
        out.append(" Resource: ").append(writer ? io.pgpacer.core.cib.VipAddresses.WRITER_ID
                : io.pgpacer.core.cib.VipAddresses.READER_ID).append(" (").append(
                        io.pgpacer.core.resource.ResourceKind.IP.agent()).append(")\n");
        out.append("  Attributes: ").append(writer ? vips.writer() : vips.reader()).append(" (built in: virtual-ips.")
                .append(writer ? "writer" : "reader").append(" in the agents' configuration file)\n");
        vips.constraints().stream().filter(c -> c.resources().contains(group))
                .forEach(c -> out.append("  Constraint: ").append(c.render()).append('\n'));
        return out.toString();
    }

    private static void operations(StringBuilder out, List<Operation> operations) {
        if (operations.isEmpty()) {
            out.append("  Operations: the agents' defaults\n");
            return;
        }
        out.append("  Operations:\n");
        for (Operation op : operations) {
            out.append("   ").append(op.name()).append(" interval=").append(Durations.render(op.intervalMillis()))
                    .append(" timeout=").append(Durations.render(op.timeoutMillis())).append(" on-fail=")
                    .append(op.onFail().text()).append(op.role() == null ? "" : " role=" + op.role()).append('\n');
        }
    }

    private static String quoted(String value) {
        return value.matches("[A-Za-z0-9_./:-]*") ? value : "\"" + value.replace("\"", "\\\"") + "\"";
    }
}
