package io.pgpacer.postgres.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PassfileTest {

    @Test
    void escapesColonsAndBackslashesAndUsesWildcards() {
        String text = Passfile.render(List.of(
                Passfile.Entry.anywhere("replicator", "s3:cr\\et'"),
                new Passfile.Entry("db1", "5432", "postgres", "postgres", "plain")));

        assertEquals("*:*:*:replicator:s3\\:cr\\\\et'\n" + "db1:5432:postgres:postgres:plain\n", text);
    }

    @Test
    void aRoleNamedStarIsNotAWildcard() {
        assertEquals("*:*:*:\\*:pw\n", Passfile.render(List.of(Passfile.Entry.anywhere("*", "pw"))));
    }

    @Test
    void refusesLineBreaksAndNeverPrintsThePassword() {
        Passfile.Entry entry = Passfile.Entry.anywhere("replicator", "two\nlines");

        assertThrows(IllegalArgumentException.class, () -> Passfile.render(List.of(entry)));
        assertFalse(entry.toString().contains("two"), entry.toString());
    }
}
