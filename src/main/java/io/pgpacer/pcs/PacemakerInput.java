package io.pgpacer.pcs;

/** Tells a CIB from a pcs script by its content and reads it. */
public final class PacemakerInput {

    private PacemakerInput() {
    }

    /**
     * @param name how messages name the input (its path)
     * @throws ImportException when the text is neither a CIB nor a pcs script, or cannot be read as the one it is
     */
    public static PacemakerConfig read(String name, String text) {
        String start = text.stripLeading();
        if (start.startsWith("<")) {
            return CibReader.read(name, text);
        }
        if (PcsScriptReader.isPcsScript(text)) {
            return PcsScriptReader.read(name, text);
        }
        throw new ImportException(name + " is neither a Pacemaker CIB (the XML of 'cibadmin --query') nor a pcs"
                + " script (shell lines starting with 'pcs'); give one of them");
    }
}
