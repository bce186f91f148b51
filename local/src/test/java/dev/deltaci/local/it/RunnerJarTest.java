package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.core.job.RunState;
import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.support.PlaneTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * runner/target/delta-runner.jar as an instance runs it: {@code java -jar} with nothing else on
 * the class path, its options from a properties file, and a real job run through it.
 */
class RunnerJarTest extends PlaneTest {

    private static final Path JAR = DeltaHome.locate().resolve("runner/target/delta-runner.jar");

    private static Process java(List<String> args, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java, "-jar", JAR.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("DELTA_") || name.startsWith("AWS_"));
        builder.environment().put("AWS_ACCESS_KEY_ID", "local");
        builder.environment().put("AWS_SECRET_ACCESS_KEY", "local");
        return builder.start();
    }

    @Test
    void theJar_shouldSayItsVersionAndHelp_onItsOwn() throws Exception {
        assertThat(JAR).as("built by mvn package").exists();
        Path version = Files.createTempFile("runner-version", ".txt");
        Path help = Files.createTempFile("runner-help", ".txt");

        Process v = java(List.of("--version"), version);
        Process h = java(List.of("--help"), help);

        assertThat(v.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(h.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(v.exitValue()).isZero();
        assertThat(Files.readString(version)).matches("(?s)delta-runner \\d+\\.\\d+\\.\\d+\\S* \\(Java .*");
        assertThat(h.exitValue()).isZero();
        assertThat(Files.readString(help)).contains("--config", "--register-with", "3   drained");
    }

    @Test
    void theJar_shouldRunAJob_withItsOptionsFromAConfigFile() throws Exception {
        Path config = Files.createTempFile("runner", ".properties");
        Path work = Files.createTempDirectory("runner-jar-work");
        Files.writeString(config, String.join("\n",
                "api-url = " + plane.apiUrl(),
                "queue-url = " + plane.queueUrl(),
                "sqs-endpoint = " + stack.endpoints().sqs(),
                "region = " + stack.endpoints().region(),
                "registration-token-stdin = true",
                "name = from-the-jar",
                "work-dir = " + work,
                "poll-seconds = 1",
                "presence-seconds = " + RunnerPool.PRESENCE_SECONDS,
                "exit-on-stdin-close = true", ""));
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'echo built by the jar'}]\n");
        Path log = Files.createTempFile("runner-jar", ".log");

        Process runner = java(List.of("--config", config.toString()), log);
        try {
            runner.getOutputStream().write((plane.registrationToken() + "\n").getBytes(StandardCharsets.UTF_8));
            runner.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());

            assertThat(store.getRun(runId).orElseThrow().status()).as(Files.readString(log)).isEqualTo(RunState.SUCCEEDED);
            assertThat(store.getJob(runId, "build").orElseThrow().lease().owner()).startsWith("from-the-jar-");
            // its own log: JSON lines with the runner's id (the shaded jar kept log4j's JSON layout)
            assertThat(Files.readString(log)).contains("\"runnerId\":\"from-the-jar-");
        } finally {
            runner.getOutputStream().close();
            runner.destroy();
            runner.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
