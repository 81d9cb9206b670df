package io.pgpacer.core.model;

/**
 * The operator commands pgpacer prints as the next step of a refusal or a status line, each rendered in one place so
 * that a test can parse every one of them with the real command line ({@code HintCommandLineTest}): a hint must work
 * as printed.
 */
public final class Hint {

    private Hint() {
    }

    /** Resets every fail-count and failed action of {@code node} (PostgreSQL's and its resources'). */
    public static String cleanupNode(String node) {
        return "pgpacer resource cleanup --node " + node;
    }

    /** Resets the fail-counts and failed actions of the primitive {@code resource} on every node. */
    public static String cleanupResource(String resource) {
        return "pgpacer resource cleanup " + resource;
    }

    /** Resets the fail-count and failed actions of the primitive {@code resource} on {@code node}. */
    public static String cleanupResourceOn(String resource, String node) {
        return "pgpacer resource cleanup " + resource + " --node " + node;
    }

    /** Rewinds a diverged {@code node} onto the primary with pg_rewind. */
    public static String repair(String node) {
        return "pgpacer repair " + node;
    }

    /** Replaces {@code node}'s data with a new copy of the primary. */
    public static String rebuild(String node) {
        return "pgpacer rebuild " + node;
    }

    /** Takes {@code node} out of standby, so that it runs resources again. */
    public static String unstandby(String node) {
        return "pgpacer node unstandby " + node;
    }

    /** Takes {@code node} out of maintenance, so that pgpacer acts on it again. */
    public static String unmaintenance(String node) {
        return "pgpacer node unmaintenance " + node;
    }

    /** Ends the cluster's maintenance mode. */
    public static String clusterResume() {
        return "pgpacer cluster resume";
    }

    /** Removes the move and ban constraints of {@code resource} on {@code node}. */
    public static String clear(String resource, String node) {
        return "pgpacer resource clear " + resource + " " + node;
    }

    /** Removes every move and ban constraint of {@code resource}. */
    public static String clear(String resource) {
        return "pgpacer resource clear " + resource;
    }

    public static String enable(String resource) {
        return "pgpacer resource enable " + resource;
    }

    public static String manage(String resource) {
        return "pgpacer resource manage " + resource;
    }

    public static String ban(String resource, String node) {
        return "pgpacer resource ban " + resource + " " + node;
    }

    /** Promotes {@code node} although it may lack acknowledged commits: the last resort, never a routine fix. */
    public static String forcePromote(String node) {
        return "pgpacer force-promote " + node + " --accept-data-loss";
    }

    /** A zero-loss switchover to {@code node}. */
    public static String switchoverTo(String node) {
        return "pgpacer switchover --to " + node;
    }

    /** A zero-loss switchover to the best standby. */
    public static String switchover() {
        return "pgpacer switchover";
    }

    public static String switchoverCancel() {
        return "pgpacer switchover --cancel";
    }

    /** Restarts {@code node}'s agent and keeps its PostgreSQL running (a primary switches over first). */
    public static String restartAgent(String node) {
        return "pgpacer node restart-agent " + node;
    }

    public static String status() {
        return "pgpacer status";
    }

    public static String cibQuery() {
        return "pgpacer cib query";
    }

    /** Applies an edited CIB configuration document. */
    public static String cibReplace(String file) {
        return "pgpacer cib replace " + file;
    }

    /** The emergency election by WAL when the recorded primary can never come back. */
    public static String recoverMaster() {
        return "pgpacer recover-master --yes-i-know";
    }
}
