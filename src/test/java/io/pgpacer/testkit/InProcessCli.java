package io.pgpacer.testkit;

import io.pgpacer.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** A {@code pgpacer} command run in this JVM as a user types it, with what it reads on standard input. */
public final class InProcessCli {

    /** What the command printed on each stream and its exit code. */
    public record Run(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + ", out: " + out + ", err: " + err;
        }
    }

    private InProcessCli() {
    }

    // why synchronized and System.set*: commands print with System.out/err and read System.in, which are global.
    public static synchronized Run run(String stdin, String... args) {
        InputStream in = System.in;
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream((stdin + "\n").getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.commandLine().setOut(new PrintWriter(System.out, true))
                    .setErr(new PrintWriter(System.err, true)).execute(args);
            return new Run(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(in);
            System.setOut(out);
            System.setErr(err);
        }
    }
}
