package dev.deltaci.local.host;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;

/**
 * Runner processes for the local stack: the same runner agent that runs on an autoscaled
 * instance, each in its own JVM, given only the queue and the runner API. They exit with this
 * JVM (their stdin is a pipe from us) and on {@link #close()}.
 */
public final class RunnerPool implements AutoCloseable {

    /** How a runner reaches the control plane. */
    /** Where runners find the control plane, and the registration token they trade for credentials. */
    public record Target(URI apiUrl, String queueUrl, URI sqsEndpoint, String region, String registrationToken) {
    }

    private final Map<String, Process> runners = new ConcurrentHashMap<>();
    private final AtomicInteger spawned = new AtomicInteger();
    /** Local runners report often, and the local control plane's presence window is three of these. */
    public static final long PRESENCE_SECONDS = 5;

    private final Path logDir;
    private final Map<String, List<String>> labelsOf = new java.util.concurrent.ConcurrentHashMap<>();
    private final Path workspaces;
    private final Target target;

    private final List<String> runnerArgs;

    private RunnerPool(Path workDir, Target target, List<String> runnerArgs) throws IOException {
        this.logDir = workDir.resolve("runner-logs");
        this.workspaces = workDir.resolve("workspaces");
        this.target = target;
        this.runnerArgs = List.copyOf(runnerArgs);
        Files.createDirectories(logDir);
    }

    public static RunnerPool start(int count, Target target, Path workDir) throws IOException {
        return start(count, target, workDir, List.of());
    }

    /** As {@link #start(int, Target, Path)}, each runner given these options too (e.g. {@code --job-user}). */
    public static RunnerPool start(int count, Target target, Path workDir, List<String> runnerArgs) throws IOException {
        RunnerPool pool = new RunnerPool(workDir, target, runnerArgs);
        for (int i = 1; i <= count; i++) {
            pool.add();
        }
        return pool;
    }

    /** Starts one more runner ({@code local-runner-N}); returns its id. */
    public String add() throws IOException {
        return add(List.of());
    }

    /** Starts one more runner with these labels; returns its id. */
    public String add(List<String> labels) throws IOException {
        String id = "local-runner-" + spawned.incrementAndGet();
        runners.put(id, spawn(id, target, workspaces, labels, List.of(), PRESENCE_SECONDS));
        labelsOf.put(id, List.copyOf(labels));
        return id;
    }

    /**
     * Starts a runner named {@code instanceId} as the runner of that (pretend) autoscaled
     * instance: it registers with {@code --instance-id}, so the scaler can drain it.
     */
    public String addOnInstance(String instanceId) throws IOException {
        List<String> args = List.of("--instance-id", instanceId);
        // reports each second: the scaler sees it go idle at once, and a run's pool scales in quickly
        runners.put(instanceId, spawn(instanceId, target, workspaces, List.of(), args, 1));
        labelsOf.put(instanceId, List.of());
        return instanceId;
    }

    /** The runner's exit code, or empty while it runs (or if there is no such runner). */
    public java.util.Optional<Integer> exitCode(String name) {
        Process runner = runners.get(name);
        return runner == null || runner.isAlive() ? java.util.Optional.empty() : java.util.Optional.of(runner.exitValue());
    }

    /** How many runner processes are alive now. */
    public int alive() {
        return (int) runners.values().stream().filter(Process::isAlive).count();
    }

    /**
     * Stops a runner as an instance's shutdown would: SIGTERM (its shutdown hook hands back any
     * job and says it is gone), SIGKILL after {@code grace}.
     */
    public void stop(String name, java.time.Duration grace) {
        Process runner = runners.remove(name);
        labelsOf.remove(name);
        if (runner == null) {
            return;
        }
        runner.destroy();
        try {
            if (!runner.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                runner.descendants().forEach(ProcessHandle::destroyForcibly);
                runner.destroyForcibly();
            }
        } catch (InterruptedException e) {
            runner.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Starts a fresh runner for each one that has exited (killed, crashed); returns how many. */
    public synchronized int replaceDead() throws IOException {
        int replaced = 0;
        for (String id : List.copyOf(runners.keySet())) {
            if (!runners.get(id).isAlive()) {
                runners.remove(id);
                add(labelsOf.remove(id));
                replaced++;
            }
        }
        return replaced;
    }

    /** SIGKILLs a runner, as a failing instance would die: no shutdown hooks, no report. */
    public boolean kill(String runnerId) {
        Process runner = runners.remove(nameOf(runnerId));
        if (runner == null) {
            return false;
        }
        runner.destroyForcibly();
        return true;
    }

    private Process spawn(String id, Target target, Path workspaces, List<String> labels, List<String> extraArgs,
                          long presenceSeconds) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                "dev.deltaci.runner.RunnerMain",
                "--api-url", target.apiUrl().toString(),
                "--queue-url", target.queueUrl(),
                "--sqs-endpoint", target.sqsEndpoint().toString(),
                "--region", target.region(),
                "--name", id,
                "--registration-token-stdin",
                "--work-dir", workspaces.toString(),
                "--poll-seconds", "1",
                "--retry-delay-seconds", "1",
                "--kill-grace-ms", "2000",
                "--log-flush-ms", "300",
                "--presence-seconds", Long.toString(presenceSeconds),
                "--exit-on-stdin-close"));
        if (!labels.isEmpty()) {
            command.addAll(List.of("--labels", String.join(",", labels)));
        }
        command.addAll(runnerArgs);
        command.addAll(extraArgs);
        // a session of its own: Ctrl-C in a terminal is the CLI's to handle (it cancels the run)
        ProcessBuilder builder = new ProcessBuilder(OwnSession.of(command))
                .redirectErrorStream(true)
                .redirectOutput(logDir.resolve(id + ".log").toFile());
        // the runner gets queue credentials only; these local ones open nothing else
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_"));
        builder.environment().put("AWS_ACCESS_KEY_ID", "local");
        builder.environment().put("AWS_SECRET_ACCESS_KEY", "local");
        builder.environment().put("AWS_REGION", target.region());
        builder.environment().remove("DELTA_REGISTRATION_TOKEN");
        Process process = builder.start();
        // on standard input: not in the runner's environment or command line, where its steps could
        // read it; the pipe then stays open so that the runner exits when we do
        process.getOutputStream().write((target.registrationToken() + "\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().flush();
        return process;
    }

    /** The process of the runner with this name ({@code local-runner-N}) or the id it registered as. */
    public ProcessHandle process(String runnerId) {
        return runners.get(nameOf(runnerId)).toHandle();
    }

    /**
     * The pool's name for a runner, from the id the control plane gave it at registration (the
     * name and a random suffix) or from the name itself.
     */
    public static String nameOf(String runnerId) {
        return dev.deltaci.functions.store.FleetStore.slotOf(runnerId);
    }

    public Path logDir() {
        return logDir;
    }

    @Override
    public void close() {
        for (Process runner : runners.values()) {
            try {
                runner.getOutputStream().close();
            } catch (IOException ignored) {
                // already gone
            }
            runner.destroy();
        }
        for (Process runner : runners.values()) {
            try {
                if (!runner.waitFor(5, TimeUnit.SECONDS)) {
                    runner.descendants().forEach(ProcessHandle::destroyForcibly);
                    runner.destroyForcibly();
                }
            } catch (InterruptedException e) {
                runner.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
