package io.pgpacer.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code pgpacer --version}: the version Maven wrote into the jar's manifest, the one the packages carry. */
final class BuildVersion implements IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        // why: classes run from target/classes (the tests, an IDE) have no manifest.
        return new String[] {"pgpacer " + (version == null ? "(development build)" : version)};
    }
}
