package dev.deltaci.runner;

import dev.deltaci.core.job.FailureClass;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One step as a process: its script written beside the workspace, run by its shell (or in the
 * job's container) with a scrubbed environment, as the job user when there is one, its output
 * streamed to the log; stopped with its whole process tree (SIGTERM, then SIGKILL after the
 * grace) when it runs out of time, is told to stop, or the lease is lost.
 */
final class StepProcess {

    private final long killGraceMs;
    /** Who steps run as; null: as the runner's own user (a laptop). */
    private final JobUser jobUser;

    StepProcess(long killGraceMs, JobUser jobUser) {
        this.killGraceMs = killGraceMs;
        this.jobUser = jobUser;
    }

    /** What the runner's own environment may pass to steps; everything else (credentials!) is dropped. */
    static final List<String> PASSED_THROUGH = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "TMPDIR",
            "JAVA_HOME", "MAVEN_OPTS");

    /** How a step ended: it exited (with a code), ran out of time, or was stopped by the fence. */
    record StepOutcome(Kind kind, int exitCode) {
        enum Kind { EXITED, STEP_TIMED_OUT, STOPPED, FENCED }

        static final StepOutcome STEP_TIMED_OUT = new StepOutcome(Kind.STEP_TIMED_OUT, -1);
        static final StepOutcome STOPPED = new StepOutcome(Kind.STOPPED, -1);
        static final StepOutcome FENCED = new StepOutcome(Kind.FENCED, -1);

        static StepOutcome exited(int code) {
            return new StepOutcome(Kind.EXITED, code);
        }
    }

    /**
     * How a step's shell runs its script file, as GitHub Actions runs each: bash with
     * {@code -eo pipefail}, {@code sh -e}, python, PowerShell dot-sourcing the script, cmd with
     * {@code CALL}; a custom shell is its command with the script's path for {@code {0}}.
     */
    static List<String> shellCommand(String shell, Path script) {
        String path = script.toString();
        return switch (shell) {
            case "bash" -> List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", path);
            case "sh" -> List.of("sh", "-e", path);
            case "python" -> List.of("python3", path);
            case "pwsh", "powershell" -> List.of(shell, "-command", ". '" + path.replace("'", "''") + "'");
            case "cmd" -> List.of("cmd", "/D", "/E:ON", "/V:OFF", "/S", "/C", "CALL \"" + path + "\"");
            default -> java.util.Arrays.stream(shell.strip().split("\\s+")).map(word -> word.replace("{0}", path)).toList();
        };
    }

    /** What a step's script file is named with: PowerShell and cmd go by the extension. */
    static String scriptExtension(String shell) {
        return switch (shell) {
            case "pwsh", "powershell" -> ".ps1";
            case "cmd" -> ".cmd";
            default -> "";
        };
    }

    /**
     * @param carried what earlier steps set ({@code $GITHUB_ENV}, {@code PATH} from {@code $GITHUB_PATH}),
     *                under the step's own env
     * @param files   the paths of the step's files ({@code GITHUB_OUTPUT}…), over everything; they live in
     *                {@code filesDir}, which a container step gets mounted at the same path
     */
    StepOutcome run(LeasedJob job, LeasedJob.Step step, int index, Path workspace, Path directory,
                    String image, LogStreamer log, LeaseKeeper fence, long deadlineNanos, long stepDeadlineNanos,
                    Map<String, String> carried, Map<String, String> files, Path filesDir)
            throws IOException {
        return run(job, step, index, workspace, directory, image, log, fence, deadlineNanos, stepDeadlineNanos, carried,
                files, filesDir, null);
    }

    /** @param network the job's services' Docker network, which a container step joins; null: none */
    StepOutcome run(LeasedJob job, LeasedJob.Step step, int index, Path workspace, Path directory,
                    String image, LogStreamer log, LeaseKeeper fence, long deadlineNanos, long stepDeadlineNanos,
                    Map<String, String> carried, Map<String, String> files, Path filesDir, String network)
            throws IOException {
        // beside the workspace, not in it: the step's files are the repository's
        Path script = workspace.resolveSibling(workspace.getFileName() + ".step" + (index + 1)
                + scriptExtension(step.shell()));
        Files.writeString(script, step.run() + "\n");
        String container = image == null ? null : ContainerStep.name(job, index);
        try {
            Map<String, String> env = new HashMap<>(stepEnvironment(job, workspace));
            env.putAll(carried);
            env.putAll(step.env());
            env.putAll(files);
            List<String> command = image == null ? shellCommand(step.shell(), script)
                    : ContainerStep.command(image, container, workspace, script,
                            workspace.relativize(directory).toString(), env.keySet(), step.shell(), filesDir, network);
            if (jobUser != null) {
                jobUser.own(script);
                env.putAll(Map.of("USER", jobUser.name(), "LOGNAME", jobUser.name(), "HOME", Workspace.home(workspace).toString()));
                // the docker CLI needs the daemon's socket: container steps stay the runner's (docker is root's anyway)
                command = image == null ? jobUser.wrap(command) : command;
            }
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(directory.toFile()).redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().putAll(env);
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                // the step's shell is not on this runner: the step fails, and says which and why
                log.line("::delta:: cannot start the step's shell '" + command.get(0) + "': " + e.getMessage()
                        + (step.shell().equals("cmd") || step.shell().equals("powershell")
                        ? " ('" + step.shell() + "' is Windows' shell: run the job on a Windows runner, e.g. runs-on: windows-latest)"
                        : " (install it on the runner or in the job's image, or choose another 'shell:')"));
                return StepOutcome.exited(127);
            }
            process.getOutputStream().close();
            Thread pump = new Thread(() -> pump(process, log), "output-" + job.jobKey());
            pump.start();
            while (true) {
                if (process.waitFor(200, TimeUnit.MILLISECONDS)) {
                    pump.join(5000);
                    return StepOutcome.exited(process.exitValue());
                }
                if (fence.isLost()) {
                    stopTree(process);
                    removeContainer(container);
                    pump.join(5000);
                    return StepOutcome.FENCED;
                }
                if (System.nanoTime() > deadlineNanos) {
                    fence.stop(FailureClass.TIMEOUT);
                } else if (System.nanoTime() > stepDeadlineNanos) {
                    stopTree(process);
                    removeContainer(container);
                    pump.join(5000);
                    return StepOutcome.STEP_TIMED_OUT;
                }
                if (fence.stopReason() != null) {
                    stopTree(process);
                    removeContainer(container);
                    pump.join(5000);
                    return StepOutcome.STOPPED;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running step " + (index + 1), e);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static void removeContainer(String container) {
        if (container != null) {
            ContainerStep.remove(container); // killing the docker CLI does not stop its container
        }
    }

    /** GitHub's default environment variables, and the {@code github} context field each holds. */
    static final Map<String, String> GITHUB_VARIABLES = Map.of("GITHUB_SHA", "sha", "GITHUB_REF", "ref",
            "GITHUB_REF_NAME", "ref_name", "GITHUB_REF_TYPE", "ref_type", "GITHUB_REPOSITORY", "repository",
            "GITHUB_REPOSITORY_OWNER", "repository_owner", "GITHUB_EVENT_NAME", "event_name", "GITHUB_RUN_ID", "run_id",
            "GITHUB_RUN_ATTEMPT", "run_attempt", "GITHUB_JOB", "job");

    static Map<String, String> stepEnvironment(LeasedJob job, Path workspace) {
        Map<String, String> env = new HashMap<>();
        for (String name : PASSED_THROUGH) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.put("CI", "true");
        env.put("DELTA", "true");
        env.put("DELTA_RUN_ID", job.runId());
        env.put("DELTA_JOB", job.jobKey());
        env.put("DELTA_ATTEMPT", Integer.toString(job.attempt()));
        env.put("DELTA_SHA", job.sha());
        env.put("DELTA_REF", job.ref());
        env.put("DELTA_WORKSPACE", workspace.toString());
        // GitHub's default variables, for scripts written for GitHub Actions (GITHUB_ACTIONS is not set: this is not GitHub)
        GITHUB_VARIABLES.forEach((variable, field) -> {
            Object value = job.github().get(field);
            if (value != null) {
                env.put(variable, String.valueOf(value));
            }
        });
        env.put("GITHUB_WORKSPACE", workspace.toString());
        env.put("RUNNER_OS", String.valueOf(JobExpressions.RUNNER.get("os")));
        env.put("RUNNER_ARCH", String.valueOf(JobExpressions.RUNNER.get("arch")));
        env.put("RUNNER_TEMP", String.valueOf(JobExpressions.RUNNER.get("temp")));
        env.putAll(job.env());
        return env;
    }

    private static void pump(Process process, LogStreamer log) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                log.line(line);
            }
        } catch (IOException e) {
            log.line("::delta:: output stream broke: " + e.getMessage());
        }
    }

    /** SIGTERM to the step and everything it started, then SIGKILL after the grace period. */
    private void stopTree(Process process) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.currentTimeMillis() + killGraceMs;
        while (System.currentTimeMillis() < deadline && tree.stream().anyMatch(ProcessHandle::isAlive)) {
            Thread.sleep(50);
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        process.waitFor(5, TimeUnit.SECONDS);
    }
}
