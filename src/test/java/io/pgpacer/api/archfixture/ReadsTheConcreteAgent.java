package io.pgpacer.api.archfixture;

import io.pgpacer.agent.Agent;

/** A planted violation for ArchitectureViolationsTest: API code that needs the concrete agent. */
public final class ReadsTheConcreteAgent {

    private ReadsTheConcreteAgent() {
    }

    public static boolean witness(Agent agent) {
        return agent.witness();
    }
}
