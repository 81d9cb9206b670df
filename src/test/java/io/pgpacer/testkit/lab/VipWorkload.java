package io.pgpacer.testkit.lab;

import io.pgpacer.testkit.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link VipWriter} running in a lab host, seen from the test: its acknowledged writes, read from its log,
 * and the {@link Workload} checker's verdict on them (a writer that sticks to one address, the VIP or a node's
 * own, sees the acknowledging node change only when another node was promoted).
 */
public final class VipWorkload implements AutoCloseable {
    private final String table;
    private final Path log;
    private final Process process;

    private VipWorkload(String table, Path log, Process process) {
        this.table = table;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts a writer in {@code client} that writes into {@code table} (created if missing) at each of
     * {@code targets} ({@code HOST:PORT}), one thread each.
     */
    static VipWorkload start(LabHost client, String table, Path dir, List<String> targets) {
        Path log = dir.resolve(table + ".acks");
        List<String> args = new ArrayList<>(List.of(table, log.toString()));
        args.addAll(targets);
        Process process = client.start(dir.resolve(table + ".out"),
                TestJvm.command(VipWriter.class, args.toArray(String[]::new)));
        return new VipWorkload(table, log, process);
    }

    /** A commit that pgpacer_guard refused at {@code target} ({@code HOST:PORT}), when the writer heard of it. */
    public record Refusal(long id, String target, long nanos) {
    }

    public String table() {
        return table;
    }

    /** The writer's log: acknowledged writes and the errors in between. */
    public Path log() {
        return log;
    }

    /** The acknowledged writes so far, in the order the writer got them. */
    public List<Workload.Ack> acks() {
        List<Workload.Ack> acks = new ArrayList<>();
        for (String line : completeLines()) {
            if (line.startsWith("ack ")) {
                String[] fields = line.split(" ");
                acks.add(new Workload.Ack(Long.parseLong(fields[1]), fields[2], Long.parseLong(fields[3])));
            }
        }
        return acks;
    }

    /** The commits pgpacer_guard refused so far (the node's lease had run out), in the order the writer got them. */
    public List<Refusal> refusals() {
        List<Refusal> refusals = new ArrayList<>();
        for (String line : completeLines()) {
            if (line.startsWith("refused ")) {
                String[] fields = line.split(" ");
                refusals.add(new Refusal(Long.parseLong(fields[1]), fields[2], Long.parseLong(fields[3])));
            }
        }
        return refusals;
    }

    /** When {@code node} first acknowledged a write after {@code afterNanos} ({@link System#nanoTime()}), or -1. */
    public long firstAckBy(String node, long afterNanos) {
        return Workload.firstAckBy(acks(), node, afterNanos);
    }

    /** The longest time without an acknowledged write from {@code fromNanos} to {@code toNanos}. */
    public long longestGapBetween(long fromNanos, long toNanos) {
        return Workload.longestGapBetween(acks(), fromNanos, toNanos);
    }

    /** The writer's error lines, for failure messages and reports. */
    public List<String> errors() {
        return completeLines().stream().filter(line -> line.startsWith("#")).toList();
    }

    /** Ends the writer and waits until it is gone, so no acknowledgement can follow. */
    public void stop() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the VIP writer did not end within 10 s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the VIP writer", e);
        }
    }

    /**
     * Stops the writer and checks its acknowledged writes against {@code finalPrimary}'s table.
     *
     * @param promotions the promotions recorded while the writer ran
     */
    public Workload.Verdict verdict(Connection finalPrimary, int promotions) throws SQLException {
        stop();
        return Workload.verdict(acks(), Workload.idsIn(finalPrimary, table), promotions);
    }

    @Override
    public void close() {
        stop();
    }

    // The writer may be in the middle of a line: only lines that ended count.
    private List<String> completeLines() {
        String text;
        try {
            text = Files.readString(log, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the VIP writer's log " + log + ": " + e, e);
        }
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : List.of(text.substring(0, end).split("\n"));
    }
}
