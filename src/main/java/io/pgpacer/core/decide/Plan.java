package io.pgpacer.core.decide;

import io.pgpacer.core.cib.ControllerActivity;
import io.pgpacer.core.command.StoreCommand;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The scheduler's answer: commands for the store, each with its reason, and notes that explain why
 * nothing else happens ("no promotion: node2 lease still valid for 1.2 s").
 *
 * @param activity why no node is promoted now, typed (a wait for reports, or no eligible node), or null; its text is
 *     also one of the notes
 */
public record Plan(List<Step> steps, List<String> notes, ControllerActivity activity) {

    /** One command and the sentence that explains it. */
    public record Step(StoreCommand command, String reason) {
    }

    public static final Plan NOTHING = new Plan(List.of(), List.of());

    public Plan {
        steps = List.copyOf(steps);
        notes = List.copyOf(notes);
    }

    /** A plan with no reason against a promotion. */
    public Plan(List<Step> steps, List<String> notes) {
        this(steps, notes, null);
    }

    public static Plan note(String note) {
        return new Plan(List.of(), List.of(note));
    }

    /** Nothing to do but to say why nobody is promoted. */
    public static Plan blocked(ControllerActivity activity) {
        return new Plan(List.of(), List.of(activity.describe()), activity);
    }

    /** This plan with {@code earlier} notes before its own. */
    public Plan withNotes(List<String> earlier) {
        List<String> all = new java.util.ArrayList<>(earlier);
        all.addAll(notes);
        return new Plan(steps, all, activity);
    }

    /** This plan's steps then {@code later}'s, and its notes then {@code later}'s. */
    public Plan followedBy(Plan later) {
        List<Step> allSteps = new java.util.ArrayList<>(steps);
        allSteps.addAll(later.steps);
        List<String> allNotes = new java.util.ArrayList<>(notes);
        allNotes.addAll(later.notes);
        return new Plan(allSteps, allNotes, activity != null ? activity : later.activity);
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /**
     * What an operator is told of this plan: its {@link #render() text}, and when the controller promotes nobody, the
     * typed reason {@code pgpacer status} shows beside it ({@code status: no eligible node (fix: COMMAND)}). The
     * golden scenarios pin this text and {@code pgpacer simulate} prints it.
     */
    public String explain() {
        if (activity == null) {
            return render();
        }
        String kind = switch (activity.kind()) {
            case WAITING_FOR_REPORTS -> "waiting for reports";
            case NO_ELIGIBLE_NODE -> "no eligible node";
        };
        String rendered = render();
        return rendered + (rendered.isEmpty() ? "" : "\n") + "status: " + kind
                + (activity.fix() == null ? " (nothing to fix)" : " (fix: " + activity.fix() + ")");
    }

    /** One line per step, then one per note: the text of golden files, logs and the event feed. */
    public String render() {
        String stepLines = steps.stream().map(s -> PlanText.describe(s.command()) + ": " + s.reason())
                .collect(Collectors.joining("\n"));
        String noteLines = notes.stream().map(n -> "note: " + n).collect(Collectors.joining("\n"));
        return (stepLines + (stepLines.isEmpty() || noteLines.isEmpty() ? "" : "\n") + noteLines);
    }
}
