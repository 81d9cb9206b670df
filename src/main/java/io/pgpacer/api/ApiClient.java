package io.pgpacer.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpacer.api.security.ApiCredentials;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.os.OsErrors;
import io.pgpacer.store.CibJson;
import java.io.IOException;
import java.net.URI;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.http.HttpConnectTimeoutException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.HttpsURLConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI's typed client of the agents' API. It asks the given agents in order and uses the first that
 * answers, so the CLI works while any agent is up.
 */
public final class ApiClient {

    /** The API answered with an error status; the message is the agent's own explanation. */
    public static final class ApiException extends RuntimeException {
        private final int status;

        public ApiException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** The JDK's switch for sending a POST again on its own. */
    static final String NO_POST_RETRY = "sun.net.http.retryPost";

    static {
        // why: the JDK sends a POST a second time when the connection fails before the answer, and a command (a
        // switchover, a forced promotion, a resource restart) must be carried out once or not at all. The JDK reads
        // it once, when its HTTP client first loads, which in pgpacer's processes is after this.
        if (System.getProperty(NO_POST_RETRY) == null) {
            System.setProperty(NO_POST_RETRY, "false");
        }
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(5);

    private final List<URI> agents;
    private final ApiCredentials credentials;
    private final ObjectMapper json = CibJson.mapper();

    public ApiClient(List<URI> agents) {
        this(agents, ApiCredentials.NONE);
    }

    /** @param credentials the token to send and the CA to trust for {@code https} agents */
    public ApiClient(List<URI> agents, ApiCredentials credentials) {
        agents.forEach(agent -> checkAgentUrl(agent.toString(), agent));
        this.agents = List.copyOf(agents);
        this.credentials = credentials;
    }

    /**
     * An agent's API address as an operator writes it: {@code http} or {@code https}, a host, an optional port,
     * nothing else.
     *
     * @throws IllegalArgumentException with one sentence that says what an API URL looks like (the text redacted)
     */
    public static URI agentUrl(String text) {
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (java.net.URISyntaxException e) {
            throw notAnAgentUrl(text, "it is not a URL");
        }
        checkAgentUrl(text, uri);
        return uri;
    }

    private static void checkAgentUrl(String text, URI uri) {
        if (uri.getScheme() == null || !(uri.getScheme().equalsIgnoreCase("http")
                || uri.getScheme().equalsIgnoreCase("https"))) {
            throw notAnAgentUrl(text, uri.getScheme() == null ? "it has no http:// or https://"
                    : "the scheme is '" + uri.getScheme() + "', not http or https");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("'" + UrlRedaction.redact(text) + "' holds credentials, which an agent's"
                    + " API does not take in its URL; give the URL without them and the API token in $"
                    + ApiCredentials.TOKEN_ENV + " or $" + ApiCredentials.TOKEN_FILE_ENV);
        }
        if (uri.getHost() == null) {
            throw notAnAgentUrl(text, uri.getRawAuthority() == null ? "it names no host"
                    : "'" + uri.getRawAuthority() + "' is not a host and a port 1-65535");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw notAnAgentUrl(text, "port " + uri.getPort() + " is outside 1-65535");
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/")) || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw notAnAgentUrl(text, "an agent's API takes no path, query or fragment");
        }
    }

    private static IllegalArgumentException notAnAgentUrl(String text, String why) {
        return new IllegalArgumentException("'" + UrlRedaction.redact(text) + "' is not an agent's API URL: " + why
                + "; give one like http://10.0.0.1:8008 or https://db1.example.com:8008");
    }

    public ClusterStatus status() {
        return json.convertValue(call("GET", "/status"), ClusterStatus.class);
    }

    public JsonNode cib() {
        return call("GET", "/cib");
    }

    /**
     * The timeline history, oldest promotion first. Read tolerantly: an agent one version ahead may add to an entry.
     */
    public List<ClusterView.HistoryEntry> history() {
        return List.of(json.copy().disable(com.fasterxml.jackson.databind.DeserializationFeature
                .FAIL_ON_UNKNOWN_PROPERTIES).convertValue(call("GET", "/history"), ClusterView.HistoryEntry[].class));
    }

    public JsonNode cleanup(String nodeOrNull) {
        return cleanup(null, nodeOrNull);
    }

    /** Resets fail-counts and failed actions of a resource (null: all) on a node (null: all). */
    public JsonNode cleanup(String resourceOrNull, String nodeOrNull) {
        List<String> params = new java.util.ArrayList<>();
        if (resourceOrNull != null) {
            params.add("resource=" + encode(resourceOrNull));
        }
        if (nodeOrNull != null) {
            params.add("node=" + encode(nodeOrNull));
        }
        return call("POST", "/resource/cleanup" + (params.isEmpty() ? "" : "?" + String.join("&", params)));
    }

    /** Asks for a resource to be stopped and started again, on a node or (null) wherever it runs. */
    public JsonNode restartResource(String resource, String nodeOrNull) {
        return call("POST", "/resource/restart?resource=" + encode(resource)
                + (nodeOrNull == null ? "" : "&node=" + encode(nodeOrNull)));
    }

    /** Applies one change of resources or constraints; the answer names what changed. */
    public JsonNode changeResources(io.pgpacer.core.resource.ResourceEdit edit) {
        try {
            return call("POST", "/resources", json.writerFor(io.pgpacer.core.resource.ResourceEdit.class)
                    .writeValueAsString(edit));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write the resource change as JSON", e);
        }
    }

    public JsonNode forcePromote(String node, boolean acceptDataLoss, String note) {
        return call("POST", "/force-promote?node=" + encode(node) + (acceptDataLoss ? "&accept-data-loss=yes" : "")
                + (note == null ? "" : "&note=" + encode(note)));
    }

    /**
     * Asks for a switchover.
     *
     * @param to the node to promote, or null for the best standby
     * @param at an ISO-8601 instant, or null for at once
     * @param maxLag a byte count with an optional unit (16MB), or null for the default
     */
    public JsonNode switchover(String to, String at, String maxLag) {
        List<String> params = new ArrayList<>();
        if (to != null) {
            params.add("to=" + encode(to));
        }
        if (at != null) {
            params.add("at=" + encode(at));
        }
        if (maxLag != null) {
            params.add("max-lag=" + encode(maxLag));
        }
        return call("POST", "/switchover" + (params.isEmpty() ? "" : "?" + String.join("&", params)));
    }

    /** Puts the cluster ({@code nodeOrNull} null) or one node into maintenance, or takes it out. */
    public JsonNode maintenance(String nodeOrNull, boolean on) {
        return call("POST", "/maintenance?state=" + (on ? "on" : "off")
                + (nodeOrNull == null ? "" : "&node=" + encode(nodeOrNull)));
    }

    /** Asks {@code node}'s agent to rewind it onto the primary with pg_rewind and rejoin it as a standby. */
    public JsonNode repair(String node) {
        return call("POST", "/repair?node=" + encode(node));
    }

    /** Asks {@code node}'s agent to re-clone it from the primary, keeping its old data aside unless {@code discardOld}. */
    public JsonNode rebuild(String node, boolean discardOld) {
        return call("POST", "/rebuild?node=" + encode(node) + (discardOld ? "&discard-old=yes" : ""));
    }

    /** Clears the recorded primary: {@code nodeOrNull} (or the node with the most advanced WAL) becomes primary. */
    public JsonNode recoverMaster(String nodeOrNull, boolean confirmed) {
        return call("POST", "/recover-master" + (confirmed ? "?confirm=yes" : "?confirm=no")
                + (nodeOrNull == null ? "" : "&node=" + encode(nodeOrNull)));
    }

    /** Every cluster property with its value, default, accepted values and description. */
    public JsonNode properties() {
        return call("GET", "/properties");
    }

    /** Sets properties all at once; a null value returns a property to its default. */
    public JsonNode setProperties(java.util.Map<String, String> values) {
        try {
            return call("POST", "/properties", json.writeValueAsString(values));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write properties as JSON", e);
        }
    }

    /** Puts a data node in standby (it runs no resources), or takes it out. */
    public JsonNode standby(String node, boolean on) {
        return call("POST", "/standby?node=" + encode(node) + "&state=" + (on ? "on" : "off"));
    }

    /** The configuration part of the CIB, as {@code pgpacer cib query} prints it. */
    public JsonNode cibConfiguration() {
        return call("GET", "/cib/config");
    }

    /** Validates a whole configuration document (YAML or JSON), answers its diff, and applies it unless a dry run. */
    public JsonNode replaceConfiguration(String document, boolean dryRun) {
        return call("POST", "/cib/config" + (dryRun ? "?dry-run=true" : ""), document);
    }

    public JsonNode cancelSwitchover() {
        return call("DELETE", "/switchover");
    }

    private static String encode(String value) {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    /**
     * Sends one request to the first agent that answers.
     *
     * @throws ApiException when an agent answered with an error status, or none answered
     */
    public JsonNode call(String method, String path) {
        return call(method, path, null);
    }

    /** {@link #call(String, String)} with a request body ({@code bodyOrNull} null: none). */
    public JsonNode call(String method, String path, String bodyOrNull) {
        List<String> failures = new ArrayList<>();
        for (URI agent : agents) {
            Answer answer;
            try {
                answer = send(agent.resolve(path), method, bodyOrNull);
            } catch (IOException e) {
                failures.add(UrlRedaction.redact(agent) + ": " + UrlRedaction.redact(OsErrors.reason(e)));
                continue;
            }
            JsonNode body = parse(answer.body());
            // why: a wrong --api (another web server on that port) answers HTML, which is no message to print.
            if (body == null && !answer.body().isBlank()) {
                throw new ApiException(answer.status(), UrlRedaction.redact(agent) + " answered HTTP "
                        + answer.status() + " to " + method + " " + path + " but not as a pgpacer agent does"
                        + " (no JSON); check that it is an agent's api-port");
            }
            if (answer.status() >= 400) {
                String message = body != null && body.has("error") ? body.get("error").asText()
                        : body != null && body.has("message") ? body.get("message").asText() : answer.body();
                throw new ApiException(answer.status(), message);
            }
            return body;
        }
        throw new ApiException(0, "no agent answered: " + String.join("; ", failures));
    }

    private record Answer(int status, String body) {
    }

    // why HttpURLConnection, not the JDK's HttpClient: a CLI command sends one request and ends, and the HttpClient
    // starts a selector thread and sets up TLS even for plain HTTP, a quarter of a second of every command's start.
    private Answer send(URI uri, String method, String bodyOrNull) throws IOException {
        // why no proxy: the API is reached directly, as the agents reach each other; a proxy from the environment
        // would see the token.
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
        try {
            if (connection instanceof HttpsURLConnection https && credentials.tls() != null) {
                https.setSSLSocketFactory(credentials.tls().getSocketFactory());
            }
            connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            connection.setReadTimeout((int) ANSWER_TIMEOUT.toMillis());
            connection.setRequestMethod(method);
            connection.setUseCaches(false);
            if (credentials.token() != null) {
                connection.setRequestProperty("Authorization", credentials.token().authorizationHeader());
            }
            byte[] body = method.equals("GET") || method.equals("HEAD") ? null
                    : (bodyOrNull == null ? "" : bodyOrNull).getBytes(StandardCharsets.UTF_8);
            if (body != null) {
                // why not streamed: a streamed request that is answered 401 loses the answer's body, which says
                // what the token or passphrase should be.
                connection.setDoOutput(true);
            }
            try {
                connection.connect();
            } catch (SocketTimeoutException e) {
                // why this type: both of the connection's timeouts throw SocketTimeoutException, and an operator
                // needs to know whether the agent was unreachable or reached but silent.
                throw new HttpConnectTimeoutException("no connection within " + CONNECT_TIMEOUT.toSeconds() + " s");
            }
            if (body != null) {
                try (OutputStream out = connection.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = connection.getResponseCode();
            InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            if (in == null) {
                return new Answer(status, "");
            }
            try (in) {
                return new Answer(status, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } finally {
            connection.disconnect();
        }
    }

    private JsonNode parse(String body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
