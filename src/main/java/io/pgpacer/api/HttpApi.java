package io.pgpacer.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpacer.agent.LocalAgent;
import io.pgpacer.agent.EventFeed;
import io.pgpacer.api.security.AccessPolicy.Verdict;
import io.pgpacer.api.security.ApiSecurity;
import io.pgpacer.api.security.EndpointKind;
import io.pgpacer.core.cib.Cib;
import io.pgpacer.core.cib.NodeReport;
import io.pgpacer.core.command.CommandResult;
import io.pgpacer.core.command.StoreCommand;
import io.pgpacer.core.cib.Repair;
import io.pgpacer.core.decide.ClusterSnapshot;
import io.pgpacer.core.decide.RecoveryElection;
import io.pgpacer.core.decide.Scheduler;
import io.pgpacer.core.decide.SwitchoverCheck;
import io.pgpacer.core.resource.ResourceEdit;
import io.pgpacer.core.status.ClusterStatus;
import io.pgpacer.enrol.EnrolmentHost;
import io.pgpacer.metrics.MetricsEndpoint;
import io.pgpacer.os.ProgramException;
import io.pgpacer.os.ServiceAutostart;
import io.pgpacer.replay.DecisionFile;
import io.pgpacer.store.ClusterStore;
import io.pgpacer.store.StoreUnavailableException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's REST API: cluster status, the CIB, recent events, operator commands, Patroni-compatible
 * health checks for load balancers, and Prometheus metrics. Any agent answers for the whole cluster; reads go
 * through the store's majority when it can be reached, and say so. Health checks and metrics answer for this
 * node only.
 */
public final class HttpApi implements AutoCloseable {

    private static final Duration READ_TIMEOUT = Duration.ofMillis(700);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(3);
    private static final List<String> HEALTH_CHECK_METHODS = List.of("GET", "HEAD", "OPTIONS");
    private static final String ENROL_PATH = "/enrol";
    /** The snapshot the controller decides on now, for {@code pgpacer simulate --what-if}. */
    public static final String DECISION_PATH = "/decision";
    private static final List<String> BODY_PATHS = List.of("/resources", "/properties", "/cib/config");

    private final String self;
    private final ClusterStore store;
    private final LocalAgent agent;
    private final EventFeed events;
    private final MetricsEndpoint metrics;
    private final ApiSecurity security;
    private final ApiServer server;
    private final ResourceChanges resourceChanges;
    private final Dashboard dashboard = new Dashboard();
    private final EnrolmentHost enrolment;

    public HttpApi(String self, InetSocketAddress bind, ClusterStore store, LocalAgent agent, EventFeed events)
            throws IOException {
        this(self, bind, store, agent, events, ApiSecurity.defaults());
    }

    /** @param security HTTP or HTTPS, and who may send which requests */
    public HttpApi(String self, InetSocketAddress bind, ClusterStore store, LocalAgent agent, EventFeed events,
            ApiSecurity security) throws IOException {
        this(self, bind, store, agent, events, security, null);
    }

    /** @param enrolment what {@code /enrol} answers on this configured agent, or null for no {@code /enrol} */
    public HttpApi(String self, InetSocketAddress bind, ClusterStore store, LocalAgent agent, EventFeed events,
            ApiSecurity security, EnrolmentHost enrolment) throws IOException {
        this.self = self;
        this.enrolment = enrolment;
        this.store = store;
        this.resourceChanges = new ResourceChanges(store, READ_TIMEOUT, COMMAND_TIMEOUT);
        this.agent = agent;
        this.events = events;
        this.metrics = new MetricsEndpoint(self, store, agent);
        this.security = security;
        this.server = new ApiServer(bind, security, new ApiServer.Routes() {
            @Override
            public boolean admit(ApiExchange exchange) throws IOException {
                return HttpApi.this.admit(exchange);
            }

            @Override
            public boolean takesBody(ApiExchange exchange) {
                return exchange.method().equals("POST") && (BODY_PATHS.contains(exchange.path())
                        || (enrolment != null && EnrolmentApi.BODY_PATHS.contains(exchange.path())));
            }

            @Override
            public boolean waitsForStore(ApiExchange exchange) {
                return HttpApi.this.waitsForStore(exchange);
            }

            @Override
            public void route(ApiExchange exchange) throws IOException {
                HttpApi.this.route(exchange);
            }
        });
    }

    public void start() {
        server.start();
    }

    private Optional<HealthEndpoint> healthCheck(ApiExchange exchange) {
        return HealthEndpoint.forPath(exchange.path()).filter(e -> HEALTH_CHECK_METHODS.contains(exchange.method()));
    }

    // Nothing was done; the message names what is missing, never what the caller sent.
    private boolean admit(ApiExchange exchange) throws IOException {
        // why: the dashboard's files are the same for everyone and hold no cluster data; its reads and commands
        // pass the checks below.
        if (dashboard.servesFile(exchange.method(), exchange.path())) {
            return true;
        }
        // why open: 'pgpacer host auth' and 'cluster setup' ask it before they hold this cluster's token, to learn
        // that this host runs a cluster (its name and version, nothing else).
        if (enrolment != null && exchange.method().equals("GET") && exchange.path().equals(ENROL_PATH)) {
            return true;
        }
        Verdict verdict = security.admit(exchange.request(), EndpointKind.of(exchange.method(),
                healthCheck(exchange).isPresent()));
        if (verdict.admitted()) {
            return true;
        }
        if (verdict.challenge() != null) {
            exchange.setHeader("WWW-Authenticate", verdict.challenge());
        }
        send(exchange, verdict.status(), error(verdict.message()));
        return false;
    }

    // Health checks, metrics and failsafe pings answer from this node's own state (a failsafe ping's store check has
    // its own short timeout): they must never queue behind requests that wait for the store's majority.
    private boolean waitsForStore(ApiExchange exchange) {
        String path = exchange.path();
        return healthCheck(exchange).isEmpty() && !path.equals("/metrics") && !path.equals("/failsafe")
                && !path.equals("/events") && !path.equals("/agent/restart") && !path.equals("/agent/autostart")
                && !dashboard.servesFile(exchange.method(), path) && !path.startsWith("/dashboard/")
                && !path.startsWith(ENROL_PATH);
    }

    private void route(ApiExchange exchange) throws IOException {
        try {
            dispatch(exchange);
        } catch (StoreUnavailableException e) {
            send(exchange, 503, error("the cluster store has no majority: " + e.getMessage()));
        }
    }

    private void dispatch(ApiExchange exchange) throws IOException {
        String method = exchange.method();
        String path = exchange.path();
        Map<String, String> query = query(exchange.rawQuery());
        Optional<HealthEndpoint> healthCheck = healthCheck(exchange);
        if (healthCheck.isPresent()) {
            answerHealthCheck(exchange, method, healthCheck.get(), query);
        } else if (enrolment != null && path.startsWith(ENROL_PATH) && EnrolmentApi.answer(enrolment, exchange, true)) {
            return;
        } else if (dashboard.servesFile(method, path)) {
            dashboard.sendFile(exchange);
        } else if (method.equals("GET") && path.equals(Dashboard.ACCESS_PATH)) {
            send(exchange, 200, Dashboard.Access.of(security.admit(exchange.request(), EndpointKind.COMMAND)));
        } else if (method.equals("GET") && path.equals(Dashboard.LOCAL_PATH)) {
            send(exchange, 200, Dashboard.local(self, agent.latestObservation()
                    .map(LocalAgent.LocalObservation::observed).orElse(null), metrics.timedPromotions()));
        } else if (method.equals("GET") && path.equals("/status")) {
            send(exchange, 200, status(cib()));
        } else if (method.equals("GET") && path.equals("/cluster")) {
            CibRead read = cib();
            send(exchange, 200, ClusterView.of(read.cib(), status(read)));
        } else if (method.equals("GET") && path.equals("/history")) {
            send(exchange, 200, ClusterView.history(cib().cib()));
        } else if (method.equals("GET") && path.equals("/cib")) {
            send(exchange, 200, cib().cib());
        } else if (method.equals("GET") && path.equals(DECISION_PATH)) {
            send(exchange, 200, decision());
        } else if (method.equals("GET") && path.equals("/events")) {
            send(exchange, 200, events.recent());
        } else if (method.equals("GET") && path.equals("/metrics")) {
            scrape(exchange);
        } else if (method.equals("POST") && path.equals("/resource/cleanup")) {
            cleanup(exchange, query.get("resource"), query.get("node"));
        } else if (method.equals("POST") && path.equals("/resource/restart")) {
            restartResource(exchange, query);
        } else if (method.equals("POST") && path.equals("/resources")) {
            changeResources(exchange);
        } else if (method.equals("POST") && path.equals("/force-promote")) {
            forcePromote(exchange, query);
        } else if (method.equals("POST") && path.equals("/switchover")) {
            requestSwitchover(exchange, query);
        } else if (method.equals("POST") && path.equals("/agent/restart")) {
            restartAgent(exchange);
        } else if (method.equals("POST") && path.equals("/agent/autostart")) {
            setAutostart(exchange, query);
        } else if (method.equals("POST") && path.equals("/maintenance")) {
            setMaintenance(exchange, query);
        } else if (method.equals("POST") && path.equals("/failsafe")) {
            answerFailsafe(exchange, query);
        } else if (method.equals("POST") && (path.equals("/repair") || path.equals("/rebuild"))) {
            requestRepair(exchange, path.equals("/repair") ? Repair.Kind.REWIND : Repair.Kind.REBUILD, query);
        } else if (method.equals("POST") && path.equals("/recover-master")) {
            recoverMaster(exchange, query);
        } else if (method.equals("DELETE") && path.equals("/switchover")) {
            submitAndAnswer(exchange, new StoreCommand.CancelSwitchover());
        } else if (method.equals("GET") && path.equals("/properties")) {
            send(exchange, 200, properties(cib().cib()));
        } else if (method.equals("POST") && path.equals("/properties")) {
            setProperties(exchange);
        } else if (method.equals("POST") && path.equals("/standby")) {
            setStandby(exchange, query);
        } else if (method.equals("GET") && path.equals("/cib/config")) {
            send(exchange, 200, CibDocument.render(cib().cib()));
        } else if (method.equals("POST") && path.equals("/cib/config")) {
            replaceConfiguration(exchange, "true".equals(query.get("dry-run")));
        } else {
            send(exchange, 404, error("no such endpoint: " + method + " " + path
                    + " (the web dashboard: GET " + Dashboard.PATH + "; GET /status, /cib, /events, /cluster, /history,"
                    + " /metrics; health checks GET, HEAD or OPTIONS /primary, /leader, /replica[?lag=16MB], /read-only,"
                    + " /health, /liveness, /readiness;"
                    + " POST /resource/cleanup[?node=NAME], /force-promote?node=NAME&accept-data-loss=yes,"
                    + " /switchover[?to=NAME&at=ISO-8601&max-lag=16MB], /maintenance?state=on|off[&node=NAME],"
                    + " /standby?node=NAME&state=on|off, /properties (JSON body), /cib/config[?dry-run=true] (YAML"
                    + " or JSON body), /failsafe?primary=NAME&generation=N, /repair?node=NAME,"
                    + " /rebuild?node=NAME[&discard-old=yes], /recover-master?confirm=yes[&node=NAME],"
                    + " /agent/restart (this node's agent; a standby's PostgreSQL keeps running),"
                    + " /agent/autostart?state=on|off (this node's pgpacer.service at boot);"
                    + " GET /properties, /cib/config;"
                    + " DELETE /switchover)"));
        }
    }

    /** The CIB, and whether it was read through a majority. */
    private record CibRead(Cib cib, boolean quorum) {
    }

    private CibRead cib() {
        try {
            return new CibRead(store.read(READ_TIMEOUT), true);
        } catch (StoreUnavailableException e) {
            return new CibRead(store.localCopy(), false);
        }
    }

    private ClusterStatus status(CibRead read) {
        return ClusterStatus.of(read.cib(), agent::online, store.leader().orElse(null), read.quorum(), self,
                Instant.now().toString());
    }

    // Health checks answer from this node's own state and its copy of the CIB, never waiting for a majority:
    // load balancers probe every second, and the lease keeper, not a store read, decides who may take writes.
    private void answerHealthCheck(ApiExchange exchange, String method, HealthEndpoint endpoint,
            Map<String, String> query) throws IOException {
        HealthAnswer answer = HealthCheck.evaluate(endpoint, query, healthFacts());
        if (method.equals("GET")) {
            send(exchange, answer.status(), answer.body());
            return;
        }
        // HEAD and OPTIONS (HAProxy's default check method): the status alone.
        exchange.setHeader("Allow", String.join(", ", HEALTH_CHECK_METHODS));
        exchange.sendStatus(answer.status());
    }

    private HealthFacts healthFacts() {
        Cib cib = store.localCopy();
        Optional<LocalAgent.LocalObservation> observed = agent.latestObservation();
        NodeReport pg = observed.map(LocalAgent.LocalObservation::report).orElse(null);
        boolean postmasterAlive = pg != null && pg.postmasterPid() > 0
                && ProcessHandle.of(pg.postmasterPid()).map(ProcessHandle::isAlive).orElse(false);
        return new HealthFacts(self, agent.witness(), pg,
                observed.map(LocalAgent.LocalObservation::ageMillis).orElse(0L),
                postmasterAlive, agent.holdsValidLease(), cib.lease().holder(),
                ClusterView.primaryLsn(cib).orElse(null), agent.loopProgress(), cib.settings().nodeTimeoutMillis(),
                store.memberHealth(), agent.grayFailure().orElse(null));
    }

    private void cleanup(ApiExchange exchange, String resource, String node) throws IOException {
        Cib cib = store.localCopy();
        if (node != null && refusedUnknown(exchange, cib, node, false) || resource != null
                && refusedUnknownResource(exchange, cib, resource)) {
            return;
        }
        submitAndAnswer(exchange, new StoreCommand.CleanupResource(resource, node));
    }

    private void restartResource(ApiExchange exchange, Map<String, String> query) throws IOException {
        String resource = query.get("resource");
        if (resource == null || resource.isBlank()) {
            send(exchange, 400, error("query parameter 'resource' is missing: name the resource to restart"));
            return;
        }
        Cib cib = store.localCopy();
        String node = query.get("node");
        if (refusedUnknownResource(exchange, cib, resource) || node != null && refusedUnknown(exchange, cib, node,
                true)) {
            return;
        }
        submitAndAnswer(exchange, new StoreCommand.RestartResource(resource, node));
    }

    // The body is one ResourceEdit as JSON ({"change": "create", "id": ..., "type": "IPaddr2", ...}); see ResourceChanges.
    private void changeResources(ApiExchange exchange) {
        ResourceEdit edit;
        try {
            edit = JsonBody.resourceEdit(exchange.body());
        } catch (JsonBody.InvalidBodyException e) {
            send(exchange, 400, error(e.getMessage()));
            return;
        }
        ResourceChanges.Answer answer = resourceChanges.apply(edit);
        send(exchange, answer.status(), answer.body());
    }

    /** Answers 404 naming the resources, and returns true, when {@code resource} is not one of them. */
    private boolean refusedUnknownResource(ApiExchange exchange, Cib cib, String resource) throws IOException {
        if (cib.resources().exists(resource)) {
            return false;
        }
        send(exchange, 404, error(cib.resources().unknown(resource)));
        return true;
    }

    private void forcePromote(ApiExchange exchange, Map<String, String> query) throws IOException {
        String node = query.get("node");
        if (node == null || node.isBlank()) {
            send(exchange, 400, error("query parameter 'node' is missing: name the standby to promote"));
            return;
        }
        if (!"yes".equals(query.get("accept-data-loss"))) {
            send(exchange, 400, error("promoting " + node + " by force may lose commits that were acknowledged to"
                    + " clients; repeat with accept-data-loss=yes if that is accepted"));
            return;
        }
        if (refusedUnknown(exchange, store.localCopy(), node, true)) {
            return;
        }
        submitAndAnswer(exchange, new StoreCommand.ForcePromotion(node, query.getOrDefault("note", "no note")));
    }

    private void requestSwitchover(ApiExchange exchange, Map<String, String> query) throws IOException {
        SwitchoverRequest request;
        try {
            request = SwitchoverRequest.parse(query, Instant.now());
        } catch (IllegalArgumentException e) {
            send(exchange, 400, error(e.getMessage()));
            return;
        }
        Cib cib = store.read(READ_TIMEOUT);
        String primary = cib.lease().holder();
        if (primary == null) {
            send(exchange, 409, error("no primary holds the lease now; a switchover needs a running primary"));
            return;
        }
        String target = request.to();
        if (target != null && refusedUnknown(exchange, cib, target, true)) {
            return;
        }
        if (request.notBefore() == 0) {
            // why: an immediate switchover to a node that cannot take over must change nothing at all.
            SwitchoverCheck.Verdict verdict = SwitchoverCheck.check(cib, target, request.maxLagBytes(), agent::online);
            if (!verdict.allowed()) {
                send(exchange, 412, error("switchover refused: " + verdict.refusal()));
                return;
            }
            target = verdict.target();
        }
        submitAndAnswer(exchange, new StoreCommand.RequestSwitchover(primary, target, request.notBefore(),
                Instant.now().toString(), request.maxLagBytes()));
    }

    // This node's own agent, from its own state: a restart needs no majority, and a standby's PostgreSQL serves on.
    private void restartAgent(ApiExchange exchange) {
        long postmaster = agent.latestObservation().map(o -> o.observed() == null ? 0L : o.observed().pid()).orElse(0L);
        Optional<String> refusal = agent.requestRestart();
        if (refusal.isPresent()) {
            send(exchange, 409, error("restart refused: " + refusal.get()));
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("message", "the agent of " + self + " ends for a planned restart" + (postmaster > 0
                ? "; its PostgreSQL (postmaster " + postmaster + ") keeps running as a standby" : ""));
        answer.put("node", self);
        answer.put("postmaster_pid", postmaster);
        send(exchange, 202, answer);
    }

    // This host's own service manager: 200 when systemctl did it, 500 with systemctl's own message when it could not.
    private void setAutostart(ApiExchange exchange, Map<String, String> query) {
        Optional<Boolean> on = onOrOff(exchange, query);
        if (on.isEmpty()) {
            return;
        }
        boolean atBoot = on.get();
        try {
            ServiceAutostart.set(ServiceAutostart.AGENT_UNIT, atBoot);
        } catch (ProgramException e) {
            send(exchange, 500, error(self + ": " + e.getMessage()));
            return;
        }
        send(exchange, 200, Map.of("message", self + ": " + ServiceAutostart.AGENT_UNIT + (atBoot ? " starts" : " does not"
                + " start") + " at boot", "node", self));
    }

    private void setMaintenance(ApiExchange exchange, Map<String, String> query) throws IOException {
        Optional<Boolean> on = onOrOff(exchange, query);
        if (on.isEmpty()) {
            return;
        }
        String node = query.get("node");
        if (node != null && refusedUnknown(exchange, store.localCopy(), node, false)) {
            return;
        }
        submitAndAnswer(exchange, new StoreCommand.SetMaintenance(node, on.get()));
    }

    /** The query's {@code state=on|off}; anything else is answered with 400 here and gives empty. */
    private static Optional<Boolean> onOrOff(ApiExchange exchange, Map<String, String> query) {
        String state = query.get("state");
        if (!"on".equals(state) && !"off".equals(state)) {
            send(exchange, 400, error("query parameter 'state' must be 'on' or 'off', got " + (state == null ? "none"
                    : "'" + state + "'")));
            return Optional.empty();
        }
        return Optional.of(state.equals("on"));
    }

    private static List<Map<String, String>> properties(Cib cib) {
        return java.util.Arrays.stream(io.pgpacer.core.cib.ClusterProperty.values()).map(p -> Map.of(
                "name", p.propertyName(), "value", p.value(cib), "default", p.defaultValue(),
                "accepted", p.accepted(), "description", p.description())).toList();
    }

    private void setProperties(ApiExchange exchange) {
        Map<String, String> values;
        try {
            values = JsonBody.properties(exchange.body());
        } catch (JsonBody.InvalidBodyException e) {
            send(exchange, 400, error(e.getMessage()));
            return;
        }
        CommandResult result = store.submit(new StoreCommand.SetProperties(values), COMMAND_TIMEOUT);
        // why 400: the only refusals are bad names or values, which the request itself got wrong.
        send(exchange, result.applied() ? 200 : 400, result);
    }

    private void setStandby(ApiExchange exchange, Map<String, String> query) throws IOException {
        String state = query.get("state");
        String node = query.get("node");
        if (!"on".equals(state) && !"off".equals(state) || node == null || node.isBlank()) {
            send(exchange, 400, error("expected query parameters node=NAME and state=on|off"));
            return;
        }
        if (refusedUnknown(exchange, store.localCopy(), node, true)) {
            return;
        }
        submitAndAnswer(exchange, new StoreCommand.SetStandby(node, state.equals("on")));
    }

    // Validates the whole document against the CIB read through the majority, answers the diff, and applies it
    // (unless a dry run) through one command that carries the epoch the document was queried at.
    private void replaceConfiguration(ApiExchange exchange, boolean dryRun) throws IOException {
        Cib cib = store.read(READ_TIMEOUT);
        StoreCommand.ReplaceConfiguration replacement;
        try {
            replacement = CibDocument.parse(new String(exchange.body(), StandardCharsets.UTF_8), cib);
        } catch (CibDocument.InvalidDocumentException e) {
            send(exchange, 400, Map.of("error", e.getMessage(), "problems", e.problems()));
            return;
        }
        List<String> changes = CibDocument.diff(cib, replacement);
        if (replacement.expectedConfigEpoch() != cib.configEpoch()) {
            send(exchange, 409, error("the configuration changed since the document was queried (epoch "
                    + cib.configEpoch() + ", the document says " + replacement.expectedConfigEpoch()
                    + "); query it again and redo the change"));
            return;
        }
        if (dryRun || changes.isEmpty()) {
            send(exchange, 200, Map.of("applied", false, "changes", changes, "epoch", cib.configEpoch(),
                    "message", changes.isEmpty() ? "no changes" : "dry run: nothing applied"));
            return;
        }
        CommandResult result = store.submit(replacement, COMMAND_TIMEOUT);
        if (!result.applied()) {
            send(exchange, 409, error(result.message()));
            return;
        }
        send(exchange, 200, Map.of("applied", true, "changes", changes, "epoch", cib.configEpoch() + 1,
                "message", result.message()));
    }

    // Another agent, a primary cut off from the store, asks whether it may keep serving (option failsafe). A
    // command (token or client certificate): a confirmation is this node's promise not to take the lease.
    private void answerFailsafe(ApiExchange exchange, Map<String, String> query) throws IOException {
        String primary = query.get("primary");
        long generation;
        try {
            generation = Long.parseLong(query.getOrDefault("generation", ""));
        } catch (NumberFormatException e) {
            send(exchange, 400, error("query parameter 'generation' must be the asking primary's lease generation"
                    + " (a whole number)"));
            return;
        }
        if (primary == null || primary.isBlank()) {
            send(exchange, 400, error("query parameter 'primary' is missing: name the node that asks"));
            return;
        }
        LocalAgent.FailsafeAnswer answer = agent.answerFailsafe(primary, generation);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", self);
        body.put("confirmed", answer.confirmed());
        body.put("reason", answer.reason());
        send(exchange, answer.confirmed() ? 200 : 409, body);
    }

    private void requestRepair(ApiExchange exchange, Repair.Kind kind, Map<String, String> query) throws IOException {
        String node = query.get("node");
        if (node == null || node.isBlank()) {
            send(exchange, 400, error("query parameter 'node' is missing: name the standby to "
                    + (kind == Repair.Kind.REWIND ? "repair" : "rebuild")));
            return;
        }
        String discard = query.getOrDefault("discard-old", "no");
        if (kind == Repair.Kind.REWIND && query.containsKey("discard-old")
                || !discard.equals("yes") && !discard.equals("no")) {
            send(exchange, 400, error("query parameter 'discard-old' is only for rebuild, as yes or no"));
            return;
        }
        if (refusedUnknown(exchange, store.localCopy(), node, true)) {
            return;
        }
        submitAndAnswer(exchange, new StoreCommand.RequestRepair(node, new Repair(kind, discard.equals("yes"),
                Instant.now().toString())));
    }

    // The reference's cls_reset_master: the operator names the new primary, or it is elected by WAL right now.
    private void recoverMaster(ApiExchange exchange, Map<String, String> query) throws IOException {
        if (!"yes".equals(query.get("confirm"))) {
            send(exchange, 400, error("recover-master clears the recorded primary and makes the node with the most"
                    + " advanced WAL (or the one named) the primary; commits only the lost primary had are lost."
                    + " Repeat with confirm=yes (pgpacer recover-master --yes-i-know) if that is what you want"));
            return;
        }
        Cib cib = store.read(READ_TIMEOUT);
        String node = query.get("node");
        String reason;
        if (node != null) {
            if (refusedUnknown(exchange, cib, node, true)) {
                return;
            }
            reason = node + " named by the operator";
        } else if (!cib.lease().isFree()) {
            // why: a primary runs, so there is nothing to elect; the store refuses and says so in its own words.
            node = cib.lease().holder();
            reason = "none";
        } else {
            RecoveryElection.Result elected = RecoveryElection.elect(cib, agent::online);
            if (!elected.elected()) {
                send(exchange, 409, error(elected.reason()));
                return;
            }
            node = elected.node();
            reason = elected.reason();
        }
        submitAndAnswer(exchange, new StoreCommand.RecoverMaster(node, cib.goalsVersion(), reason));
    }

    // An operator command through the store: 200 when it was applied, 409 with the store's reason when refused.
    private void submitAndAnswer(ApiExchange exchange, StoreCommand command) throws IOException {
        CommandResult result = store.submit(command, COMMAND_TIMEOUT);
        send(exchange, result.applied() ? 200 : 409, result);
    }

    /** Answers 404 naming the configured (data) nodes, and returns true, when {@code node} is not one of them. */
    private boolean refusedUnknown(ApiExchange exchange, Cib cib, String node, boolean dataNode) throws IOException {
        List<String> known = (dataNode ? cib.dataNodes() : cib.nodes()).stream().map(n -> n.name()).toList();
        if (known.contains(node)) {
            return false;
        }
        send(exchange, 404, error("unknown " + (dataNode ? "data node '" + node + "'; data nodes are "
                : "node '" + node + "'; configured nodes are ") + known));
        return true;
    }

    // What 'pgpacer simulate --what-if' starts from: the snapshot this member's controller would decide on now, in the
    // recordings' format, with the plan it makes of it. A read like /cib: the same data, under the same access rules.
    private JsonNode decision() {
        ClusterSnapshot snapshot = agent.decisionSnapshot();
        boolean controlling = agent.controlling();
        String whose = controlling ? "the controller" : "not the controller: as a controller elected now";
        ObjectNode doc = DecisionFile.record(snapshot, Scheduler.decide(snapshot), "the cluster as " + self
                + " observes it (" + whose + ")", self, Instant.now());
        ((ObjectNode) doc.get("recorded")).put(DecisionFile.BY_THE_CONTROLLER, controlling);
        return doc;
    }

    private static Map<String, String> error(String message) {
        return Map.of("error", message);
    }

    private static void send(ApiExchange exchange, int code, Object body) {
        exchange.send(code, body);
    }

    private void scrape(ApiExchange exchange) {
        MetricsEndpoint.Scrape scrape = metrics.scrape(exchange.method(), exchange.path(), exchange.rawQuery(),
                name -> exchange.request().getHeaders().getValuesList(name));
        String contentType = scrape.headers().getOrDefault("Content-Type", "text/plain; charset=utf-8");
        scrape.headers().forEach((name, value) -> {
            if (!name.equalsIgnoreCase("Content-Type") && !name.equalsIgnoreCase("Content-Length")) {
                exchange.setHeader(name, value);
            }
        });
        exchange.send(scrape.status(), contentType, scrape.body());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(key, value);
        }
        return params;
    }

    @Override
    public void close() {
        server.close();
    }
}
