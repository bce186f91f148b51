package dev.deltaci.runner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Steps of a job with {@code image:} run in a container through the Docker CLI: the workspace
 * is mounted at {@code /workspace}, the step's script read-only at {@code /delta/step}, and the
 * step's variables are passed by name ({@code -e NAME}, values from the CLI's own environment,
 * so they never appear on a command line). Each step's container is named, so a stop can remove
 * it even when the CLI process is killed.
 */
final class ContainerStep {

    static final String WORKSPACE = "/workspace";
    static final String SCRIPT = "/delta/step";
    /** What the Docker CLI itself needs from the runner's environment, and the container must not inherit. */
    static final Set<String> CLI_ONLY = Set.of("PATH", "HOME", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CONTEXT",
            "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "TMPDIR");

    private ContainerStep() {
    }

    /** A container name unique to the attempt and step, within Docker's allowed characters. */
    static String name(LeasedJob job, int stepIndex) {
        String raw = "delta-" + job.runId() + "-" + job.jobKey() + "-e" + job.epoch() + "-s" + (stepIndex + 1);
        return raw.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    /** {@code docker run …} for one step; {@code directory} is the working directory relative to the workspace. */
    static List<String> command(String image, String name, Path workspace, Path script, String directory,
                                Collection<String> envNames, String shell, Path stepFiles) {
        return command(image, name, workspace, script, directory, envNames, shell, stepFiles, null);
    }

    /** As above, on the job's services' network (null: Docker's default), where each service is its name. */
    static List<String> command(String image, String name, Path workspace, Path script, String directory,
                                Collection<String> envNames, String shell, Path stepFiles, String network) {
        List<String> command = new ArrayList<>(List.of("docker", "run", "--rm", "--init", "--name", name,
                "-v", workspace.toAbsolutePath() + ":" + WORKSPACE,
                "-v", script.toAbsolutePath() + ":" + SCRIPT + StepProcess.scriptExtension(shell) + ":ro",
                // $GITHUB_OUTPUT and friends: the same paths inside as outside
                "-v", stepFiles.toAbsolutePath() + ":" + stepFiles.toAbsolutePath(),
                "-w", directory == null || directory.isEmpty() ? WORKSPACE : WORKSPACE + "/" + directory));
        envNames.stream().filter(n -> !CLI_ONLY.contains(n)).sorted().forEach(n -> command.addAll(List.of("-e", n)));
        command.add("--env");
        command.add("DELTA_WORKSPACE=" + WORKSPACE);
        if (network != null) {
            command.addAll(List.of("--network", network));
        }
        command.add(image);
        command.addAll(StepProcess.shellCommand(shell, Path.of(SCRIPT + StepProcess.scriptExtension(shell))));
        return command;
    }

    /** Why this runner cannot run containers (no Docker CLI, or no daemon), or empty if it can. */
    static Optional<String> dockerProblem(Map<String, String> cliEnvironment) {
        try {
            ProcessBuilder builder = new ProcessBuilder("docker", "version", "--format", "{{.Server.Version}}")
                    .redirectErrorStream(true);
            builder.environment().putAll(cliEnvironment);
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.of("'docker version' did not answer within 20 s");
            }
            return process.exitValue() == 0 ? Optional.empty()
                    : Optional.of("'docker version' failed: " + output.lines().reduce((a, b) -> b).orElse(""));
        } catch (IOException e) {
            return Optional.of("the docker command is not installed (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while checking for Docker");
        }
    }

    /** Removes a step's container if it is still there (its CLI process was stopped or killed). */
    static void remove(String name) {
        try {
            Process process = new ProcessBuilder("docker", "rm", "--force", name).redirectErrorStream(true).start();
            process.getInputStream().readAllBytes();
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no Docker: nothing to remove
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
