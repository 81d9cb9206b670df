package io.pgpacer.postgres.local;

import com.sun.security.auth.module.UnixSystem;
import io.pgpacer.postgres.PostgresException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The OS user PostgreSQL runs as. PostgreSQL refuses to run as root, so a root agent switches to the
 * configured user for every PostgreSQL program; an unprivileged agent runs them as itself.
 */
record OsUser(String name, long uid, long gid, boolean switchFromRoot) {
    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @throws PostgresException if the agent is root and the configured user is root or does not exist
     */
    static OsUser resolve(String configuredName) {
        UnixSystem self = new UnixSystem();
        if (self.getUid() != 0) {
            return new OsUser(self.getUsername(), self.getUid(), self.getGid(), false);
        }
        if (configuredName.equals("root") || configuredName.equals("0")) {
            throw new PostgresException("PostgreSQL refuses to run as root: set the PostgreSQL OS user to an"
                    + " unprivileged account such as postgres");
        }
        OsCommand command = OsCommand.asCurrentUser();
        String what = "looking up OS user '" + configuredName + "' (create it with: useradd --system "
                + configuredName + ", or install the postgresql package, which creates 'postgres')";
        long uid = Long.parseLong(command.check(what, List.of("id", "-u", configuredName), Map.of(), LOOKUP_TIMEOUT).strip());
        long gid = Long.parseLong(command.check(what, List.of("id", "-g", configuredName), Map.of(), LOOKUP_TIMEOUT).strip());
        if (uid == 0) {
            throw new PostgresException("OS user '" + configuredName + "' has uid 0, and PostgreSQL refuses to run as"
                    + " root: choose an unprivileged account such as postgres");
        }
        return new OsUser(configuredName, uid, gid, true);
    }
}
