package dev.deltaci.local.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A measurement in a JVM of its own, started as {@code delta} and Lambda's Java runtime start
 * theirs ({@code -XX:TieredStopAtLevel=1}), with this JVM's {@code java}: nothing it measures
 * is already loaded or compiled.
 */
public final class FreshJvm {

    /** What the child printed on standard output (and, when merged, its standard error), and how it exited. */
    public record Outcome(int exitCode, String output) {
    }

    private FreshJvm() {
    }

    /**
     * Runs {@code mainClass} with {@code args} on {@code classpath}. {@code environment}: the
     * child's whole environment, or null for this one's; {@code mergeErrors}: its standard error
     * into the output, else onto this JVM's.
     */
    public static Outcome run(String classpath, List<String> jvmOptions, String mainClass, List<String> args,
                              Map<String, String> environment, boolean mergeErrors) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        if (mergeErrors) {
            builder.redirectErrorStream(true);
        } else {
            builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        }
        if (environment != null) {
            builder.environment().clear();
            builder.environment().putAll(environment);
        }
        Process child = builder.start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Outcome(child.waitFor(), output);
    }
}
