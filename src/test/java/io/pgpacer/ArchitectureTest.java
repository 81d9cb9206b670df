package io.pgpacer;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.library.dependencies.Slice;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import io.pgpacer.agent.Agent;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.InstantSource;
import java.util.Random;
import java.util.Set;

/**
 * The package layering as rules that fail the build (issue 16, point 3; style.md §1). From the inside out: the
 * core is the pure domain; os (running programs, the OS's errors) and config (a node's configuration) are the
 * ground the adapters stand on; the adapters each wrap one outside thing and stand side by side; the agent wires
 * them and runs the loops; the API and the metrics serve the agent through an interface; the CLI is a client and
 * the daemon's entry point. {@code pcs} (the Pacemaker import) is part of the CLI's side.
 */
@AnalyzeClasses(packages = "io.pgpacer", importOptions = {ImportOption.DoNotIncludeTests.class,
        ImportOption.DoNotIncludeJars.class})
class ArchitectureTest {

    /**
     * Each wraps one outside thing behind its own contract. The API and the metrics are not among them: they serve
     * what the agent and the store know, so they read the contracts of store, postgres and enrol (records such as
     * PgObservation, the ClusterStore interface), never an implementation (the rules on postgres.local, store.ratis
     * and vip.linux below).
     */
    private static final Set<String> ADAPTERS = Set.of("postgres", "vip", "store", "resource", "tls", "enrol");

    @ArchTest
    static final ArchRule core_uses_only_the_jdk_and_itself = classes()
            .that().resideInAPackage("io.pgpacer.core..")
            .should().onlyDependOnClassesThat(resideInAnyPackage("io.pgpacer.core..", "java.lang", "java.util",
                    "java.util.function", "java.util.stream", "java.util.regex", "java.time..", "java.math")
                    // why: VipAddress parses address literals with them (getByAddress, or getByName of a bracketed
                    // IPv6 literal), which never looks a name up; nothing else of java.net, nor java.io or java.nio.
                    .or(equivalentTo(InetAddress.class)).or(equivalentTo(UnknownHostException.class)))
            .because("the core is the pure domain (style.md §1): what reads no file, socket or other package of"
                    + " pgpacer can be tested, replayed and simulated as plain functions");

    @ArchTest
    static final ArchRule core_reads_no_clock_and_starts_nothing = noClasses()
            .that().resideInAPackage("io.pgpacer.core..")
            .should().dependOnClassesThat().belongToAnyOf(System.class, Thread.class, Runtime.class,
                    ProcessBuilder.class, Clock.class, InstantSource.class, Random.class)
            .orShould().callMethodWhere(describe("read a clock (java.time's now())",
                    (JavaMethodCall call) -> call.getTargetOwner().getPackageName().equals("java.time")
                            && call.getName().equals("now")))
            .because("time and chance are inputs of the core (the snapshot carries now), so the same input always"
                    + " gives the same decision (style.md §2, §12)");

    @ArchTest
    static final ArchRule adapters_never_import_each_other = slices()
            .matching("io.pgpacer.(*)..")
            .that(describe("are adapters (" + String.join(", ", ADAPTERS.stream().sorted().toList()) + ")",
                    (Slice slice) -> ADAPTERS.contains(slice.getNamePart(1))))
            .should().notDependOnEachOther()
            .because("an adapter wraps one outside thing behind its contract; where two of them meet is wiring,"
                    + " and wiring is the agent's (style.md §1, §7)");

    @ArchTest
    static final ArchRule os_and_config_import_no_adapter = noClasses()
            .that().resideInAnyPackage("io.pgpacer.os..", "io.pgpacer.config..")
            .should().dependOnClassesThat().resideInAnyPackage("io.pgpacer.postgres..", "io.pgpacer.vip..",
                    "io.pgpacer.store..", "io.pgpacer.resource..", "io.pgpacer.tls..", "io.pgpacer.enrol..",
                    "io.pgpacer.agent..", "io.pgpacer.api..", "io.pgpacer.metrics..", "io.pgpacer.pcs..",
                    "io.pgpacer.cli..")
            .because("the adapters stand on os and config; if those imported an adapter, two adapters would meet"
                    + " through them");

    @ArchTest
    static final ArchRule postgres_local_is_wired_only_by_the_agent_and_the_cli =
            onlyWiredByTheAgentAndTheCli("io.pgpacer.postgres.local..");

    @ArchTest
    static final ArchRule store_ratis_is_wired_only_by_the_agent_and_the_cli =
            onlyWiredByTheAgentAndTheCli("io.pgpacer.store.ratis..");

    @ArchTest
    static final ArchRule vip_linux_is_wired_only_by_the_agent_and_the_cli =
            onlyWiredByTheAgentAndTheCli("io.pgpacer.vip.linux..");

    @ArchTest
    static final ArchRule each_outside_library_stays_in_its_adapter = CompositeArchRule
            .of(onlyUsedIn("org.apache.ratis..", "io.pgpacer.store.ratis.."))
            .and(onlyUsedIn("org.postgresql..", "io.pgpacer.postgres.local.."))
            .and(onlyUsedIn("java.sql..", "io.pgpacer.postgres.local.."))
            .and(onlyUsedIn("org.eclipse.jetty..", "io.pgpacer.api.."))
            .and(onlyUsedIn("io.prometheus..", "io.pgpacer.metrics.."))
            .and(onlyUsedIn("picocli..", "io.pgpacer.cli.."))
            .because("Ratis, JDBC, Jetty, Prometheus and picocli each belong to the one package that wraps them;"
                    + " replacing one touches one package");

    @ArchTest
    static final ArchRule api_and_metrics_see_an_interface_not_the_agent = noClasses()
            .that().resideInAnyPackage("io.pgpacer.api..", "io.pgpacer.metrics..")
            .should().dependOnClassesThat().belongToAnyOf(Agent.class)
            .because("the API and the metrics read the agent through LocalAgent, the small interface it implements,"
                    + " so that the agent can be assembled and changed without them (style.md §7)");

    @ArchTest
    static final ArchRule the_agent_imports_no_server_and_no_client = noClasses()
            .that().resideInAPackage("io.pgpacer.agent..")
            .should().dependOnClassesThat().resideInAnyPackage("io.pgpacer.api..", "io.pgpacer.metrics..",
                    "io.pgpacer.cli..", "io.pgpacer.pcs..")
            .because("the API, the metrics and the CLI use the agent; what the agent needs from them it declares"
                    + " as an interface of its own (FailsafePeers)");

    @ArchTest
    static final ArchRule no_cycles_between_top_level_packages = slices()
            .matching("io.pgpacer.(*)..")
            .should().beFreeOfCycles()
            .because("two parts that need each other cannot be understood, tested or replaced one at a time");

    @ArchTest
    static final ArchRule no_cycles_between_packages = slices()
            .matching("io.pgpacer.(**)")
            .should().beFreeOfCycles()
            .because("a package and its sub-package that need each other are one package in two folders");

    @ArchTest
    static final ArchRule no_cycles_between_core_packages = slices()
            .matching("io.pgpacer.core.(*)..")
            .should().beFreeOfCycles()
            .because("the core's parts build on each other in one direction: the model, the CIB, then commands,"
                    + " decisions and status");

    @ArchTest
    static final ArchRule no_cycles_between_core_classes = slices()
            .assignedFrom(new SliceAssignment() {
                @Override
                public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                    // why the top-level name: a nested record belongs to the class that declares it.
                    String name = javaClass.getName();
                    return name.startsWith("io.pgpacer.core.") ? SliceIdentifier.of(name.split("\\$")[0])
                            : SliceIdentifier.ignore();
                }

                @Override
                public String getDescription() {
                    return "top-level classes of io.pgpacer.core";
                }
            })
            .should().beFreeOfCycles()
            .because("the core is read class by class: a reducer or planner that calls back the one that called it"
                    + " hides which of them decides");

    private static ArchRule onlyWiredByTheAgentAndTheCli(String implementation) {
        String implementationPackage = implementation.replace("..", "");
        String contract = implementationPackage.substring(0, implementationPackage.lastIndexOf('.'));
        return noClasses()
                .that().resideOutsideOfPackages(implementation, "io.pgpacer.agent..", "io.pgpacer.cli..")
                .should().dependOnClassesThat().resideInAPackage(implementation)
                .because("everyone else uses the contract in " + contract + ", so that tests and the simulator can"
                        + " put another implementation behind it; the agent and the CLI choose this one");
    }

    private static ArchRule onlyUsedIn(String library, String wrapper) {
        return noClasses()
                .that().resideOutsideOfPackage(wrapper)
                .should().dependOnClassesThat().resideInAPackage(library);
    }
}
