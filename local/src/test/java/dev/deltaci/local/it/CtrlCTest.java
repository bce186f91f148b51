package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.support.Fixtures;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C on {@code delta run}, as a terminal sends it: SIGINT to the whole foreground process
 * group, through the real entry point in a JVM of its own.
 */
class CtrlCTest {

    @Test
    void ctrlC_shouldCancelTheRun_giveTheRunningStepItsGrace_andExit1() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setsid")) || Files.isExecutable(Path.of("/bin/setsid")),
                "needs setsid to give the CLI a process group of its own, as a terminal does");
        Path repo = Files.createTempDirectory("delta-ctrlc-");
        Files.createDirectories(repo.resolve(".delta"));
        Files.writeString(repo.resolve(".delta/pipeline.yml"), String.join("\n",
                "jobs:",
                "  long:",
                "    steps:",
                "      - run: |",
                "          trap 'echo got-term; sleep 1; echo cleaned-up; exit 143' TERM",
                "          echo step-started",
                "          sleep 120 & wait $!",
                "  after:",
                "    needs: long",
                "    steps: [{run: echo never}]",
                ""));
        String java = ProcessHandle.current().info().command().orElse("java");
        // setsid: a new session and process group, whose id is the CLI's pid, like a shell's foreground job;
        // env --default-signal: SIGINT as a terminal's foreground job has it, even when this build was
        // started in the background (a shell then ignores SIGINT for it, and an ignored signal is inherited)
        List<String> command = new java.util.ArrayList<>(List.of("setsid", java, "-Xmx384m",
                "-Ddelta.home=" + DeltaHome.locate(), "-cp", System.getProperty("java.class.path"),
                "dev.deltaci.local.cli.DeltaCli", "run", repo.toString(), "--runners", "1"));
        if (new ProcessBuilder("env", "--default-signal=INT", "true").start().waitFor() == 0) {
            command.addAll(0, List.of("env", "--default-signal=INT"));
        }
        Process cli = new ProcessBuilder(command)
                .redirectErrorStream(true).start();
        cli.getOutputStream().close();
        StringBuilder output = new StringBuilder();
        CountDownLatch started = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.contains("step-started")) {
                        started.countDown();
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        }, "cli-output");
        reader.start();
        try {
            assertThat(started.await(90, TimeUnit.SECONDS)).as("the step started: %s", output).isTrue();

            Process kill = new ProcessBuilder("kill", "-INT", "--", "-" + cli.pid()).inheritIO().start();
            assertThat(kill.waitFor()).isZero();

            assertThat(cli.waitFor(60, TimeUnit.SECONDS)).as("exited after Ctrl-C: %s", output).isTrue();
            reader.join(5000);
            String printed;
            synchronized (output) {
                printed = output.toString();
            }
            assertThat(cli.exitValue()).as(printed).isEqualTo(1);
            assertThat(printed).contains("interrupted: cancelling run")
                    .contains("got-term").contains("cleaned-up")
                    .containsPattern("run r-[0-9a-f]+ CANCELLED")
                    .contains("cancelled by ")
                    .doesNotContain("never")
                    .doesNotContain("error:")
                    .doesNotContain("dak_");
        } finally {
            if (cli.isAlive()) {
                new ProcessBuilder("kill", "-KILL", "--", "-" + cli.pid()).start().waitFor();
            }
            Fixtures.deleteTree(repo);
        }
    }
}
