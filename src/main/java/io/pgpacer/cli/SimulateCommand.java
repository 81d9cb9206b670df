package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.api.HttpApi;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.InputFiles;
import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.Plan;
import io.pgpacer.core.decide.PlanInvariants;
import io.pgpacer.core.decide.Scheduler;
import io.pgpacer.replay.DecisionFile;
import io.pgpacer.replay.WhatIf;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer simulate}: what the controller decides on a recorded snapshot, a golden scenario or the live
 * cluster's snapshot, optionally after hypothetical events; nothing is changed anywhere.
 */
@Command(name = "simulate", description = {"Replay a decision the controller recorded, or show what it would do now.",
        "Nothing is changed, in the cluster or anywhere else.",
        "FILE is a decision the controller recorded (state-dir/decisions/decision-NNNNNN.yaml) or a scheduler scenario:",
        "its plan and explanation are printed, and compared with the plan the file recorded. Without FILE the live",
        "cluster's snapshot is read from an agent. Each --what-if is applied in order: 'node NODE fails', 'node NODE",
        "goes offline', 'node NODE recovers', 'switchover to NODE'; then every controller pass is shown until the plan",
        "has no more steps.",
        "pcs equivalent: 'crm_simulate --xml-file FILE --simulate [--node-fail NODE]'."})
final class SimulateCommand implements Callable<Integer> {

    @Mixin
    AgentTarget target;

    @Parameters(paramLabel = "FILE", arity = "0..1", description = "A recorded decision or a scheduler scenario"
            + " (YAML or JSON, format 1).")
    Path file;

    @Option(names = "--what-if", paramLabel = "EVENT", description = "A hypothetical event, e.g. 'node pg-151 fails'"
            + " (repeatable, applied in order).")
    List<String> whatIfs;

    @Override
    public Integer call() {
        DecisionFile.Decision decision;
        if (file != null) {
            decision = fromFile();
        } else {
            if (whatIfs == null || whatIfs.isEmpty()) {
                throw CommandFailure.badInput("give a FILE to replay, or --what-if EVENT to ask the live cluster, e.g."
                        + " pgpacer simulate --what-if 'node NODE fails'");
            }
            try {
                decision = DecisionFile.read(liveSnapshot());
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("simulate", e);
            } catch (DecisionFile.BadDecisionFileException e) {
                // why: a cluster not yet initialised has no node to simulate; an agent of another version answers
                // in another format
                throw CommandFailure.failed("the agents' snapshot cannot be simulated: " + e.getMessage(), e);
            }
        }
        ClusterSnapshot snapshot = decision.snapshot();
        List<String> events = whatIfs == null ? List.of() : whatIfs;
        try {
            for (String event : events) {
                snapshot = WhatIf.apply(snapshot, event);
            }
        } catch (WhatIf.BadHypothesisException e) {
            throw CommandFailure.badInput(e.getMessage());
        }
        StringBuilder out = new StringBuilder();
        out.append(decision.description() == null ? "Snapshot" : decision.description()).append('\n');
        events.forEach(e -> out.append("What if: ").append(e.trim()).append('\n'));
        if (events.isEmpty()) {
            Plan plan = Scheduler.decide(snapshot);
            out.append("\nPlan:\n").append(indent(plan.explain().isEmpty() ? "(nothing to do)" : plan.explain()));
            invariants(snapshot, plan, out);
            if (decision.expected() != null) {
                out.append(decision.expected().equals(plan.explain()) ? "\nSame as the plan the file recorded.\n"
                        : "\nThe file recorded another plan:\n" + indent(decision.expected()));
            }
        } else {
            int number = 1;
            for (WhatIf.Pass pass : WhatIf.passes(snapshot)) {
                out.append("\nController pass ").append(number++).append(":\n").append(indent(
                        pass.plan().explain().isEmpty() ? "(nothing to do)" : pass.plan().explain()));
                if (pass.refusal() != null) {
                    out.append("  the store would refuse a step: ").append(pass.refusal()).append('\n');
                }
                invariants(pass.snapshot(), pass.plan(), out);
            }
            out.append("\nNothing was changed: the agents' own steps (taking the lease, promoting, following) are not"
                    + " simulated.\n");
        }
        System.out.print(out);
        return 0;
    }

    private DecisionFile.Decision fromFile() {
        try {
            return DecisionFile.read(InputFiles.read(file, InputFiles.DOCUMENT_LIMIT));
        } catch (InputFiles.UnusableFileException e) {
            // why the check: some reasons carry their own fix ('give a file')
            throw CommandFailure.badInput(e.getMessage().contains("; ") ? e.getMessage()
                    : e.getMessage() + "; give a decision file, e.g. one of state-dir/decisions");
        } catch (DecisionFile.BadDecisionFileException e) {
            throw CommandFailure.badInput(file + ": " + e.getMessage());
        }
    }

    // The controller's own snapshot when an agent of the configuration says it is the controller; else the first answer
    // (an agent that is not the controller answers as one elected now would).
    private JsonNode liveSnapshot() {
        if (target.apis != null && !target.apis.isEmpty()) {
            return target.client().call("GET", HttpApi.DECISION_PATH);
        }
        JsonNode first = null;
        ApiClient.ApiException lastFailure = null;
        for (String node : target.nodeNames()) {
            try {
                JsonNode answer = target.clientOf(node).call("GET", HttpApi.DECISION_PATH);
                if (answer.path("recorded").path(DecisionFile.BY_THE_CONTROLLER).asBoolean(false)) {
                    return answer;
                }
                first = first == null ? answer : first;
            } catch (ApiClient.ApiException e) {
                lastFailure = e;
            }
        }
        if (first == null && lastFailure != null) {
            throw lastFailure;
        }
        return first;
    }

    // why: a recording from the field is checked too; a broken rule there is a bug to report, not a crash
    private static void invariants(ClusterSnapshot snapshot, Plan plan, StringBuilder out) {
        for (PlanInvariants.Violation v : PlanInvariants.check(snapshot, plan)) {
            out.append("  BROKEN RULE ").append(v).append('\n');
        }
    }

    private static String indent(String text) {
        return text.lines().map(l -> "  " + l + "\n").reduce("", String::concat);
    }
}
