package io.pgpacer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.pgpacer.core.archfixture.CalledBack;
import io.pgpacer.core.archfixture.CallsBack;
import io.pgpacer.core.archfixture.ReadsAFile;
import io.pgpacer.core.archfixture.ReadsTheClock;
import io.pgpacer.api.archfixture.ReadsTheConcreteAgent;
import io.pgpacer.postgres.PostgresInstance;
import io.pgpacer.vip.VirtualIp;
import io.pgpacer.vip.archfixture.ImportsPostgres;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@link ArchitectureTest} can fail: each one, run on a planted violation (test classes in the
 * {@code archfixture} packages, which ArchitectureTest itself does not read), reports it by name.
 */
class ArchitectureViolationsTest {

    private static final ClassFileImporter IMPORTER = new ClassFileImporter();

    @Test
    void coreCodeThatReadsAFileBreaksTheJdkOnlyRule() {
        assertReports(ArchitectureTest.core_uses_only_the_jdk_and_itself, IMPORTER.importClasses(ReadsAFile.class),
                "java.nio.file.Files.readString");
    }

    @Test
    void coreCodeThatAsksTheClockBreaksTheNoClockRule() {
        JavaClasses planted = IMPORTER.importClasses(ReadsTheClock.class);
        assertFalse(ArchitectureTest.core_uses_only_the_jdk_and_itself.evaluate(planted).hasViolation(),
                "java.time is allowed in the core; the clock rule is the one that catches now()");
        assertReports(ArchitectureTest.core_reads_no_clock_and_starts_nothing, planted, "java.time.Instant.now()");
    }

    @Test
    void twoCoreClassesThatCallEachOtherBreakTheClassCycleRule() {
        assertReports(ArchitectureTest.no_cycles_between_core_classes,
                IMPORTER.importClasses(CallsBack.class, CalledBack.class), "Cycle detected");
    }

    @Test
    void anAdapterThatImportsAnotherBreaksTheAdapterRule() {
        assertReports(ArchitectureTest.adapters_never_import_each_other,
                IMPORTER.importClasses(ImportsPostgres.class, VirtualIp.class, PostgresInstance.class),
                "Slice vip depends on Slice postgres");
    }

    @Test
    void apiCodeThatNeedsTheConcreteAgentBreaksTheInterfaceRule() {
        assertReports(ArchitectureTest.api_and_metrics_see_an_interface_not_the_agent,
                IMPORTER.importClasses(ReadsTheConcreteAgent.class), "io.pgpacer.agent.Agent");
    }

    private static void assertReports(ArchRule rule, JavaClasses planted, String expected) {
        EvaluationResult result = rule.evaluate(planted);
        String report = String.join("\n", result.getFailureReport().getDetails());
        assertTrue(result.hasViolation() && report.contains(expected),
                "expected a violation mentioning '" + expected + "', got: " + (result.hasViolation() ? report : "none"));
    }
}
