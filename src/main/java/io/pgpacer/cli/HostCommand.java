package io.pgpacer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgpacer.api.ApiClient;
import io.pgpacer.api.UrlRedaction;
import io.pgpacer.enrol.HostFiles;
import io.pgpacer.enrol.HostKey;
import io.pgpacer.enrol.SharedSecrets;
import io.pgpacer.tls.NodeTls;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pgpacer host}: the trust between a cluster's hosts, as the reference's {@code passwd hacluster} and
 * {@code pcs cluster auth}.
 */
@Command(name = "host", description = {"Trust between the hosts of a cluster.",
        "A secret on every host, then auth from one.",
        "On every host, as root: 'pgpacer host secret'.",
        "On one host: 'pgpacer host auth pg-151 pg-152 pg-153', then 'pgpacer cluster setup --deliver ...'."},
        subcommands = {HostCommand.Secret.class, HostCommand.Auth.class})
final class HostCommand {

    static final int MAX_PASSPHRASE = 1024;

    /** {@code pgpacer host secret}. */
    @Command(name = "secret", description = {"Set this host's secret, derived from a passphrase.",
            "'pgpacer host auth' must know the passphrase to give this host the cluster's secrets.",
            "Stores PBKDF2-HMAC-SHA256 of the passphrase (" + HostKey.ITERATIONS + " iterations, a random salt) in"
                    + " host.key (mode 0600); the passphrase itself is never stored. Run it as root on every host.",
            "pcs equivalent: 'passwd hacluster'."})
    static final class Secret implements Callable<Integer> {

        @Option(names = "--stdin", description = "Read the passphrase once from standard input (for scripts)"
                + " instead of twice from the terminal.")
        boolean stdin;

        @Option(names = "--etc", paramLabel = "DIR", defaultValue = HostFiles.DEFAULT_DIR, description = "Where"
                + " host.key is kept (default ${DEFAULT-VALUE}).")
        Path etc;

        @Override
        public Integer call() {
            char[] passphrase = passphrase(stdin, true);
            try {
                HostFiles files = new HostFiles(etc);
                files.writeHostKey(HostKey.create(passphrase, HostKey.ITERATIONS, new SecureRandom()));
                System.out.println("Stored this host's secret in " + files.hostKey() + " (mode 0600).");
                return 0;
            } catch (UncheckedIOException e) {
                throw CommandFailure.failed(e.getMessage(), e);
            } finally {
                Arrays.fill(passphrase, '\0');
            }
        }
    }

    /** {@code pgpacer host auth}. */
    @Command(name = "auth", description = {"Authorize hosts to join this host's cluster.",
            "Proves to each host that you know its secret, then gives it the cluster's API token and replication"
                    + " password.",
            "The secrets are this host's (in --etc) or, on first use, new random ones, stored here too: one cluster,"
                    + " one token. They travel sealed with AES-GCM under a key derived from the host's secret, so"
                    + " plain HTTP reveals nothing. Nothing changes on any host unless every host is reachable and"
                    + " accepts the passphrase.",
            "Example:",
            "  pgpacer host auth pg-151 pg-152 pg-153",
            "pcs equivalent: 'pcs cluster auth -u hacluster pg-151 pg-152 pg-153'."})
    static final class Auth implements Callable<Integer> {

        @Parameters(arity = "1..*", paramLabel = "HOST[:PORT]", description = "Each host's agent (default port "
                + EnrolmentClient.Target.DEFAULT_PORT + ").")
        List<String> hosts;

        @Option(names = "--stdin", description = "Read the passphrase from standard input (for scripts).")
        boolean stdin;

        @Option(names = "--etc", paramLabel = "DIR", defaultValue = HostFiles.DEFAULT_DIR, description = "Where this"
                + " host keeps the cluster's api-token and replication.secret (default ${DEFAULT-VALUE}).")
        Path etc;

        @Option(names = "--tls-ca-file", paramLabel = "FILE", description = "The CA of a cluster with TLS, to ask"
                + " its configured hosts over HTTPS (unconfigured hosts speak HTTP).")
        Path tlsCaFile;

        @Option(names = "--force", description = "Replace the secrets of an unconfigured host that holds another"
                + " cluster's.")
        boolean force;

        @Override
        public Integer call() {
            Map<String, EnrolmentClient.Target> targets = new LinkedHashMap<>();
            for (String host : hosts) {
                EnrolmentClient.Target target;
                try {
                    target = EnrolmentClient.Target.parse(host);
                } catch (IllegalArgumentException e) {
                    throw CommandFailure.badInput(e.getMessage());
                }
                if (targets.putIfAbsent(target.api().getAuthority(), target) != null) {
                    throw CommandFailure.badInput("'" + host + "' is named twice; name each host once");
                }
            }
            HostFiles files = new HostFiles(etc);
            Optional<SharedSecrets> held;
            try {
                held = files.readSecrets();
            } catch (IllegalStateException e) {
                throw CommandFailure.badInput(e.getMessage());
            }
            SharedSecrets secrets = held.orElseGet(() -> SharedSecrets.generate(new SecureRandom()));
            EnrolmentClient client = new EnrolmentClient(tlsCaFile == null ? null
                    : NodeTls.trusting(tlsCaFile, "--tls-ca-file").sslContext());

            // Preflight: every host reachable, and each either holds this token already or can be enrolled.
            List<EnrolmentClient.Target> toEnrol = new ArrayList<>();
            List<EnrolmentClient.Target> already = new ArrayList<>();
            for (EnrolmentClient.Target target : targets.values()) {
                JsonNode status = ask(target, () -> client.status(target, secrets));
                if (status.path("authorized").asBoolean(false)) {
                    already.add(target);
                } else if ("configured".equals(status.path("state").asText())) {
                    throw CommandFailure.badInput(target.name() + " already belongs to cluster '"
                            + status.path("cluster").asText() + "', whose token this host does not hold; authorize"
                            + " it from that cluster's hosts (their --etc), or name another host");
                } else if (!status.path("secret").asBoolean(false)) {
                    throw CommandFailure.badInput(target.name() + " has no secret yet; run 'pgpacer host secret' on "
                            + target.name() + " first");
                } else if (status.path("cluster-secrets").asBoolean(false) && !force) {
                    throw CommandFailure.badInput(target.name() + " holds another cluster's secrets; pass --force to"
                            + " replace them with this cluster's");
                } else {
                    toEnrol.add(target);
                }
            }
            List<EnrolmentClient.Proven> proven = new ArrayList<>();
            if (!toEnrol.isEmpty()) {
                char[] passphrase = passphrase(stdin, false);
                try {
                    for (EnrolmentClient.Target target : toEnrol) {
                        proven.add(ask(target, () -> client.prove(target, passphrase)));
                    }
                } finally {
                    Arrays.fill(passphrase, '\0');
                }
            }
            // Every host accepted the passphrase: from here on, hosts change.
            if (held.isEmpty()) {
                try {
                    files.writeSecrets(secrets);
                } catch (UncheckedIOException e) {
                    throw CommandFailure.failed(e.getMessage(), e);
                }
            }
            for (EnrolmentClient.Proven p : proven) {
                ask(p.target(), () -> {
                    client.deliverSecrets(p, secrets, force);
                    return null;
                });
            }
            for (EnrolmentClient.Target target : targets.values()) {
                System.out.println(target.name() + ": " + (already.contains(target) ? "already authorized"
                        : "authorized"));
            }
            return 0;
        }
    }

    interface Call<T> {
        T run();
    }

    /** One call to a host; any refusal becomes one sentence naming the host and the fix, exit 2. */
    static <T> T ask(EnrolmentClient.Target target, Call<T> call) {
        try {
            return call.run();
        } catch (ApiClient.ApiException e) {
            if (e.status() == 0) {
                String where = UrlRedaction.redact(target.api());
                String reason = e.getMessage().replace("no agent answered: " + where + ": ", "");
                throw CommandFailure.badInput(target.name() + " is unreachable (" + where + ": " + reason
                        + "); start its agent"
                        + " ('systemctl start pgpacer' there) or correct the address");
            }
            if (e.status() == 404) {
                throw CommandFailure.badInput(target.name() + " (" + UrlRedaction.redact(target.api()) + ") answers"
                        + " but has no enrolment API: " + e.getMessage() + "; upgrade pgpacer there");
            }
            throw CommandFailure.badInput(target.name() + ": " + e.getMessage());
        } catch (EnrolmentClient.HostProofException e) {
            throw CommandFailure.badInput(target.name() + ": " + e.getMessage() + "; check the address, and run"
                    + " 'pgpacer host secret' on " + target.name() + " again if its secret was lost");
        }
    }

    /** The passphrase: once from standard input, else from the terminal (twice when it is being set). */
    static char[] passphrase(boolean stdin, boolean confirm) {
        char[] passphrase;
        if (stdin) {
            passphrase = firstLine(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        } else {
            Console console = System.console();
            if (console == null) {
                throw CommandFailure.badInput("no terminal to ask the passphrase on; pass --stdin and give it on"
                        + " standard input");
            }
            passphrase = console.readPassword("Passphrase: ");
            if (passphrase == null) {
                throw CommandFailure.badInput("no passphrase was typed; type it, or pass --stdin");
            }
            if (confirm) {
                char[] again = console.readPassword("Again: ");
                boolean same = again != null && Arrays.equals(passphrase, again);
                if (again != null) {
                    Arrays.fill(again, '\0');
                }
                if (!same) {
                    Arrays.fill(passphrase, '\0');
                    throw CommandFailure.badInput("the two passphrases differ; run the command again and type the"
                            + " same one twice");
                }
            }
        }
        String refusal = HostKey.refusal(passphrase);
        if (refusal != null) {
            Arrays.fill(passphrase, '\0');
            throw CommandFailure.badInput(refusal);
        }
        return passphrase;
    }

    // One line, bounded: a passphrase is never longer, and standard input might be a device that never ends.
    private static char[] firstLine(Reader in) {
        char[] buffer = new char[MAX_PASSPHRASE + 1];
        int length = 0;
        try {
            int c;
            while (length <= MAX_PASSPHRASE && (c = in.read()) >= 0 && c != '\n') {
                buffer[length++] = (char) c;
            }
        } catch (IOException e) {
            throw CommandFailure.failed("cannot read the passphrase from standard input: " + e.getMessage(), e);
        }
        if (length > MAX_PASSPHRASE) {
            Arrays.fill(buffer, '\0');
            throw CommandFailure.badInput("the passphrase on standard input is longer than " + MAX_PASSPHRASE
                    + " characters; give it on one line");
        }
        if (length > 0 && buffer[length - 1] == '\r') {
            length--;
        }
        char[] passphrase = Arrays.copyOf(buffer, length);
        Arrays.fill(buffer, '\0');
        return passphrase;
    }
}
