package io.pgpacer.testkit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Parses Prometheus exposition text with the reference parsers of the Python Prometheus client (Debian's
 * {@code python3-prometheus-client}, installed by {@code bin/ensure-deps --tests}): the text format parser, and
 * the stricter OpenMetrics one. A test that needs it fails when it is missing, never skips.
 */
public final class PrometheusParser {

    private static final List<String> INTERPRETERS = List.of("/usr/bin/python3", "python3");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String python;
    private final String script;

    private PrometheusParser(String python, String script) {
        this.python = python;
        this.script = script;
    }

    /** The parser, or an AssertionError saying what to install. */
    public static PrometheusParser find() {
        String script;
        try (InputStream in = Objects.requireNonNull(PrometheusParser.class.getResourceAsStream("parse_metrics.py"),
                "parse_metrics.py next to PrometheusParser on the test class path")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read parse_metrics.py: " + e.getMessage(), e);
        }
        List<String> tried = new ArrayList<>();
        for (String python : INTERPRETERS) {
            String answer = run(List.of(python, "-c", "import prometheus_client"));
            if (answer.isEmpty()) {
                return new PrometheusParser(python, script);
            }
            tried.add(python + ": " + answer.strip());
        }
        throw new AssertionError("no Python with the prometheus_client module to parse /metrics; run"
                + " 'bin/ensure-deps --tests' as root, or apt-get install python3-prometheus-client. Tried: " + tried);
    }

    /** Parses the Prometheus text format (version 0.0.4). */
    public Samples parseText(String exposition) {
        return parse("text", exposition);
    }

    /** Parses OpenMetrics 1.0 text, which the parser checks more strictly (types, suffixes, the final # EOF). */
    public Samples parseOpenMetrics(String exposition) {
        return parse("openmetrics", exposition);
    }

    private Samples parse(String format, String exposition) {
        try {
            Process process = new ProcessBuilder(python, "-c", script, format).start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            try (OutputStream in = process.getOutputStream()) {
                in.write(exposition.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the Prometheus parser did not finish within 30 s");
            }
            String stderr = new String(err.join(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError("the Prometheus " + format + " parser refused the exposition: " + stderr
                        + "\n--- exposition:\n" + exposition);
            }
            return new Samples(JSON.readValue(out.join(), new TypeReference<List<Sample>>() { }));
        } catch (IOException e) {
            throw new AssertionError("running " + python + " to parse metrics failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while parsing metrics", e);
        }
    }

    /** Runs a command; returns "" when it exits 0, else what it printed (or why it could not start). */
    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "did not finish within 30 s";
            }
            return process.exitValue() == 0 ? "" : output.isBlank() ? "exit " + process.exitValue() : output;
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return ("(unreadable: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** One sample as the parser read it: the family's name and type, the sample's own name, labels and value. */
    public record Sample(String family, String type, String name, Map<String, String> labels, double value) {
    }

    /** The samples of one exposition. */
    public record Samples(List<Sample> all) {

        public Samples {
            all = List.copyOf(all);
        }

        /** The samples named {@code name} whose labels include every given name=value pair. */
        public List<Sample> find(String name, String... labelPairs) {
            return all.stream().filter(s -> s.name().equals(name) && hasLabels(s, labelPairs)).toList();
        }

        /** The value of the one sample named so, if there is exactly one. */
        public OptionalDouble value(String name, String... labelPairs) {
            List<Sample> found = find(name, labelPairs);
            return found.size() == 1 ? OptionalDouble.of(found.get(0).value()) : OptionalDouble.empty();
        }

        private static boolean hasLabels(Sample sample, String... labelPairs) {
            for (int i = 0; i + 1 < labelPairs.length; i += 2) {
                if (!labelPairs[i + 1].equals(sample.labels().get(labelPairs[i]))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder();
            all.forEach(s -> out.append(s.name()).append(s.labels()).append(' ').append(s.value()).append('\n'));
            return out.toString();
        }
    }
}
