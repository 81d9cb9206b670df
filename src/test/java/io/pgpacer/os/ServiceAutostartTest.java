package io.pgpacer.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * ServiceAutostart against the real systemctl (CI runs as root, systemd not being PID 1): a throwaway unit of the
 * test's own is enabled and disabled at boot and removed again; a unit that does not exist gets systemctl's own
 * message.
 */
class ServiceAutostartTest {

    @Test
    void aUnitIsEnabledAndDisabledAtBootAndAMissingUnitGetsSystemctlsMessage() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "changing units at boot needs root (CI runs as root)");
        String unit = "pgpacer-autostart-test-" + UUID.randomUUID().toString().substring(0, 8) + ".service";
        Path file = Path.of("/etc/systemd/system", unit);
        Path wanted = Path.of("/etc/systemd/system/multi-user.target.wants", unit);
        Files.writeString(file, "[Unit]\nDescription=pgpacer test unit (ServiceAutostartTest)\n[Service]\n"
                + "ExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n");
        try {
            assertFalse(ServiceAutostart.enabled(unit), "a new unit does not start at boot");
            ServiceAutostart.set(unit, true);
            assertTrue(ServiceAutostart.enabled(unit), "enabled");
            assertTrue(Files.isSymbolicLink(wanted), wanted + " links the unit into multi-user.target");
            ServiceAutostart.set(unit, false);
            assertFalse(ServiceAutostart.enabled(unit), "disabled");
            assertFalse(Files.exists(wanted, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the link is gone");
        } finally {
            ProgramRunner.run("cleaning up", java.util.List.of("systemctl", "disable", "--quiet", unit),
                    java.util.Map.of(), java.time.Duration.ofSeconds(30));
            Files.deleteIfExists(file);
        }
        ProgramException missing = assertThrows(ProgramException.class, () -> ServiceAutostart.set(unit, true));
        assertEquals("systemctl enable --quiet " + unit + " failed (exit status 1): Failed to enable unit, unit " + unit
                + " does not exist.", missing.getMessage());
    }
}
