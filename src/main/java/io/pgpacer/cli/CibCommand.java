package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpacer.api.ApiClient;
import io.pgpacer.api.CibDocument;
import io.pgpacer.config.ConfigException;
import io.pgpacer.config.InputFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer cib query|replace|edit}: the configuration part of the CIB as a YAML or JSON document, read
 * and replaced as a whole, like Pacemaker's {@code cibadmin --query} and {@code cibadmin --replace}.
 */
@Command(name = "cib", description = {"Read or replace the configuration part of the CIB as one document.",
        "It holds the cluster name, nodes, properties, settings, nodes in maintenance and in standby, and its epoch.",
        "pcs equivalent: 'cibadmin --query' / 'cibadmin --replace --xml-file FILE' / 'pcs cluster edit'."},
        subcommands = {CibCommand.Query.class, CibCommand.Replace.class, CibCommand.Edit.class})
final class CibCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** The output formats of {@code cib query}. */
    enum Format { yaml, json }

    @Command(name = "query", description = {"Print the configuration part of the CIB (no secrets, no status).",
            "pcs equivalent: 'cibadmin --query' (or 'pcs cluster cib')."})
    static final class Query implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Option(names = "--format", description = "yaml (default) or json.", defaultValue = "yaml")
        Format format;

        @Override
        public Integer call() {
            try {
                System.out.print(render(target.client().cibConfiguration(), format));
                return 0;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("cib query", e);
            }
        }
    }

    @Command(name = "replace", description = {"Validate FILE as a whole, print what changes, and apply it in one step.",
            "It applies only if the configuration is still at the epoch FILE was queried at; anything wrong changes",
            "nothing. Nodes (membership) and settings are read-only here.",
            "pcs equivalent: 'cibadmin --replace --xml-file FILE' (or 'pcs cluster cib-push FILE')."})
    static final class Replace implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Parameters(paramLabel = "FILE", description = "A document as 'pgpacer cib query' writes it (YAML or JSON).")
        Path file;

        @Option(names = "--dry-run", description = "Validate and print the changes; apply nothing.")
        boolean dryRun;

        @Override
        public Integer call() {
            String text;
            try {
                text = InputFiles.read(file, InputFiles.DOCUMENT_LIMIT);
            } catch (InputFiles.UnusableFileException e) {
                System.err.println("pgpacer cib replace: " + e.getMessage() + "; give a document as 'pgpacer cib"
                        + " query' writes it");
                return Main.BAD_INPUT;
            }
            return replace(target, "cib replace", text, dryRun);
        }
    }

    @Command(name = "edit", description = {"Edit the configuration in $EDITOR (default vi) and apply it.",
            "It is replaced when the editor exits with changes; an invalid edit is kept in a file for a later 'cib replace'.",
            "pcs equivalent: 'pcs cluster edit'."})
    static final class Edit implements Callable<Integer> {

        @Mixin
        AgentTarget target;

        @Option(names = "--editor", paramLabel = "COMMAND", description = "The editor command, given the file as its"
                + " last argument (default: $VISUAL, $EDITOR, vi).")
        String editor;

        @Override
        public Integer call() {
            try {
                String before = render(target.client().cibConfiguration(), Format.yaml);
                Path file = Files.createTempFile("pgpacer-cib-", ".yaml");
                Files.writeString(file, before, StandardCharsets.UTF_8);
                String command = editor != null ? editor
                        : System.getenv().getOrDefault("VISUAL", System.getenv().getOrDefault("EDITOR", "vi"));
                // why sh: an editor setting may carry arguments ('code --wait'); the file is passed as $0, unquoted
                // nowhere, so its name is never parsed by the shell.
                int rc = new ProcessBuilder("sh", "-c", command + " \"$0\"", file.toString()).inheritIO().start()
                        .waitFor();
                if (rc != 0) {
                    System.err.println("pgpacer cib edit: the editor exited with " + rc + "; nothing was changed"
                            + " (the copy is in " + file + ")");
                    return 1;
                }
                String after = InputFiles.read(file, InputFiles.DOCUMENT_LIMIT);
                if (after.equals(before)) {
                    Files.deleteIfExists(file);
                    System.out.println("No changes.");
                    return 0;
                }
                int result = replace(target, "cib edit", after, false);
                if (result == 0) {
                    Files.deleteIfExists(file);
                } else {
                    System.err.println("Your edit is kept in " + file + "; fix it and run 'pgpacer cib replace "
                            + file + "'");
                }
                return result;
            } catch (InputFiles.UnusableFileException e) {
                System.err.println("pgpacer cib edit: " + e.getMessage());
                return Main.BAD_INPUT;
            } catch (ConfigException | ApiClient.ApiException e) {
                return AgentTarget.failed("cib edit", e);
            } catch (IOException e) {
                System.err.println("pgpacer cib edit: " + e.getMessage());
                return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
    }

    static int replace(AgentTarget target, String command, String document, boolean dryRun) {
        try {
            JsonNode result = target.client().replaceConfiguration(document, dryRun);
            JsonNode changes = result.path("changes");
            if (changes.isEmpty()) {
                System.out.println("No changes: the configuration already is as the document says (epoch "
                        + result.path("epoch").asLong() + ")");
                return 0;
            }
            System.out.println(dryRun ? "Would change:" : "Changed (configuration epoch " + result.path("epoch")
                    .asLong() + "):");
            changes.forEach(c -> System.out.println("  " + c.asText()));
            return 0;
        } catch (ConfigException | ApiClient.ApiException e) {
            return AgentTarget.failed(command, e);
        }
    }

    static String render(JsonNode document, Format format) {
        try {
            if (format == Format.json) {
                return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document) + "\n";
            }
            return CibDocument.yaml(asMap(document));
        } catch (IOException e) {
            throw new IllegalStateException("cannot render the CIB document", e);
        }
    }

    static Map<String, Object> asMap(JsonNode document) {
        return JSON.convertValue(document, JSON.getTypeFactory().constructMapType(LinkedHashMap.class, String.class,
                Object.class));
    }
}
