package io.pgpacer.pcs;

/**
 * One line of what an import did with a part of the Pacemaker configuration.
 *
 * @param subject the part, as the input names it ({@code stonith-enabled=false}, {@code pgsql restart_on_promote})
 * @param text what became of it and why
 */
public record ImportNote(Kind kind, String subject, String text) {

    /** What became of a part of the input. */
    public enum Kind {
        /** Written into the configuration. */
        IMPORTED("Imported"),
        /** pgpacer does this by itself; nothing to write. */
        BUILT_IN("Built into pgpacer"),
        /** Not written, with the reason and the safe choice made instead. */
        NOT_IMPORTED("Not imported");

        private final String heading;

        Kind(String heading) {
            this.heading = heading;
        }

        public String heading() {
            return heading;
        }
    }

    public String render() {
        return subject + ": " + text;
    }

    /** The notes under one heading per kind, in the order they were made, each indented by two spaces. */
    public static String render(java.util.List<ImportNote> notes) {
        StringBuilder out = new StringBuilder();
        for (Kind kind : Kind.values()) {
            java.util.List<ImportNote> ofKind = notes.stream().filter(n -> n.kind() == kind).toList();
            if (!ofKind.isEmpty()) {
                out.append(kind.heading()).append(":\n");
                ofKind.forEach(n -> out.append("  ").append(n.render()).append('\n'));
            }
        }
        return out.toString();
    }
}
