package io.pgpacer.core.decide;

import io.pgpacer.core.cib.NodeGoal;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.command.StoreCommand.AbortSwitchover;
import io.pgpacer.core.command.StoreCommand.AssignGoals;
import io.pgpacer.core.command.StoreCommand.BeginSwitchover;
import io.pgpacer.core.command.StoreCommand.ExpireLease;
import io.pgpacer.core.command.StoreCommand.MoveReaderVip;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Renders store commands as the operator-facing words used in logs, status and golden files. */
final class PlanText {

    private PlanText() {
    }

    static String describe(StoreCommand command) {
        if (command instanceof ExpireLease c) {
            return "expire lease of " + c.holder() + " (generation " + c.generation() + ")";
        }
        if (command instanceof AssignGoals c) {
            Map<String, NodeGoal> sorted = new TreeMap<>(c.goals());
            return "assign " + sorted.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue().describe())
                    .collect(Collectors.joining(", "));
        }
        if (command instanceof BeginSwitchover c) {
            return "begin switchover to " + c.to();
        }
        if (command instanceof MoveReaderVip c) {
            return c.node() == null ? "unassign reader VIP" : "assign reader VIP to " + c.node();
        }
        if (command instanceof AbortSwitchover) {
            return "abort switchover";
        }
        if (command instanceof StoreCommand.RequestSwitchover c) {
            return "request switchover " + c.from() + " -> " + c.to();
        }
        if (command instanceof StoreCommand.ExpireFailCount c) {
            return "expire fail-count " + c.count() + " of " + c.node();
        }
        if (command instanceof StoreCommand.ExpireResourceFailCount c) {
            return "expire fail-count " + c.count() + " of " + c.resource() + " on " + c.node();
        }
        if (command instanceof StoreCommand.WithdrawFailedAction c) {
            return "withdraw failed action " + c.action().operation() + " on " + c.action().node();
        }
        if (command instanceof StoreCommand.PlaceResources c) {
            return "place " + c.placement().entrySet().stream()
                    .map(e -> e.getKey() + "=" + (e.getValue() == null ? "nowhere" : e.getValue()))
                    .collect(Collectors.joining(", "));
        }
        return command.toString();
    }
}
