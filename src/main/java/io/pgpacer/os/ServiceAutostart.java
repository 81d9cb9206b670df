package io.pgpacer.os;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Whether a systemd unit starts at boot: {@code systemctl enable|disable UNIT}, which works whether or not systemd
 * runs as PID 1 (it only changes the unit's links under /etc/systemd/system).
 */
public final class ServiceAutostart {

    /** The unit the package installs. */
    public static final String AGENT_UNIT = "pgpacer.service";

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private ServiceAutostart() {
    }

    /**
     * Enables or disables {@code unit} at boot.
     *
     * @throws ProgramException naming the command and systemctl's own message when it fails or cannot run
     */
    public static void set(String unit, boolean atBoot) {
        List<String> command = List.of("systemctl", atBoot ? "enable" : "disable", "--quiet", unit);
        ProgramRunner.Result result = ProgramRunner.run((atBoot ? "enabling " : "disabling ") + unit + " at boot",
                command, Map.of(), TIMEOUT);
        if (!result.succeeded()) {
            throw new ProgramException(result.commandLine() + " failed (exit status " + result.exitCode() + "): "
                    + result.outputTail().strip());
        }
    }

    /** Whether {@code unit} starts at boot ({@code systemctl is-enabled}); false when it cannot tell. */
    public static boolean enabled(String unit) {
        return ProgramRunner.run("asking whether " + unit + " starts at boot", List.of("systemctl", "is-enabled",
                "--quiet", unit), Map.of(), TIMEOUT).succeeded();
    }
}
