package dev.deltaci.runner;

import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.expr.Template;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A job's {@code services:} on this runner: a Docker network of the job's own, each service a
 * container on it (its name the host name other containers reach it by), published ports on
 * the host for the steps that do not run in containers, health checks waited for; all removed
 * when the job ends. Service env values are rendered like a step's and given to Docker through
 * its environment, never its command line (they may hold secrets).
 */
final class ServiceContainers {

    /** The Docker CLI: {@link #CLI}, or a double in tests. */
    @FunctionalInterface
    interface Docker {
        /** Runs {@code docker <args>} with {@code env} and answers its exit code and output. */
        Result run(List<String> args, Map<String, String> env) throws IOException, InterruptedException;

        record Result(int exitCode, String output) {
        }
    }

    static final Docker CLI = (args, env) -> {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            return new Docker.Result(124, "docker " + args.get(0) + " did not end within 5 minutes");
        }
        return new Docker.Result(process.exitValue(), output);
    };

    /** How long a service's health check may take to pass, at most (the job's own timeout also applies). */
    static final long HEALTH_WAIT_MS = TimeUnit.MINUTES.toMillis(5);

    private final Docker docker;
    private final LeasedJob job;
    private final String network;
    private final List<String> started = new ArrayList<>();
    /** {@code job.services.<name>}: its container id, network and {@code ports['5432']} = host port. */
    private final Map<String, Object> context = new LinkedHashMap<>();
    private boolean networkCreated;

    ServiceContainers(Docker docker, LeasedJob job) {
        this.docker = docker;
        this.job = job;
        this.network = ContainerStep.name(job, -1).replaceFirst("-s0$", "-net");
    }

    String network() {
        return network;
    }

    /** Why Docker cannot start containers here (no CLI, no daemon), or empty if it can. */
    java.util.Optional<String> dockerProblem(Map<String, String> cliEnv) {
        try {
            Docker.Result version = docker.run(List.of("version", "--format", "{{.Server.Version}}"), cliEnv);
            return version.exitCode() == 0 ? java.util.Optional.empty()
                    : java.util.Optional.of("'docker version' failed: " + version.output().lines().reduce((a, b) -> b).orElse(""));
        } catch (IOException e) {
            return java.util.Optional.of("the docker command is not installed (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.of("interrupted while checking for Docker");
        }
    }

    /** What {@code job.services} holds once they are up. */
    Map<String, Object> context() {
        return Map.copyOf(context);
    }

    /**
     * Starts every service and waits until each is healthy; null when they are up, else why not
     * (the caller fails the job and then {@link #stop()}s what did start).
     */
    String start(Scope scope, Map<String, String> cliEnv, long deadlineNanos, LogStreamer log)
            throws InterruptedException {
        try {
            Docker.Result created = docker.run(List.of("network", "create", network), cliEnv);
            if (created.exitCode() != 0) {
                return "cannot create the job's network " + network + ": " + created.output();
            }
            networkCreated = true;
            for (LeasedJob.Service service : job.services()) {
                String problem = startOne(service, scope, cliEnv, log);
                if (problem != null) {
                    return problem;
                }
            }
            for (LeasedJob.Service service : job.services()) {
                String problem = awaitHealthy(service, cliEnv, deadlineNanos, log);
                if (problem != null) {
                    return problem;
                }
            }
            return null;
        } catch (IOException e) {
            return "the docker command failed: " + e.getMessage();
        }
    }

    private String startOne(LeasedJob.Service service, Scope scope, Map<String, String> cliEnv, LogStreamer log)
            throws IOException, InterruptedException {
        String container = network.replaceFirst("-net$", "-svc-" + service.name());
        Map<String, String> env = new LinkedHashMap<>(cliEnv);
        List<String> args = new ArrayList<>(List.of("run", "--detach", "--name", container, "--network", network,
                "--network-alias", service.name()));
        String image;
        try {
            image = Template.parse(service.image()).render(scope).strip();
            for (Map.Entry<String, String> variable : service.env().entrySet()) {
                env.put(variable.getKey(), Template.parse(variable.getValue()).render(scope));
                args.addAll(List.of("--env", variable.getKey())); // the value from the CLI's environment
            }
        } catch (ExpressionException | RuntimeException e) {
            return "service '" + service.name() + "': cannot evaluate its image or env: " + e.getMessage();
        }
        for (String port : service.ports()) {
            args.addAll(List.of("--publish", port));
        }
        args.addAll(service.options());
        args.add(image);
        log.line("::delta:: starting service " + service.name() + " (" + image + ")");
        Docker.Result run = docker.run(args, env);
        if (run.exitCode() != 0) {
            return "service '" + service.name() + "' did not start: " + run.output();
        }
        started.add(container);
        Map<String, String> ports = new LinkedHashMap<>();
        for (String port : service.ports()) {
            String inside = port.contains(":") ? port.substring(port.lastIndexOf(':') + 1) : port;
            String bare = inside.replaceFirst("/(tcp|udp)$", "");
            Docker.Result mapped = docker.run(List.of("port", container, inside.contains("/") ? inside : inside + "/tcp"), cliEnv);
            // "0.0.0.0:49153" (and "[::]:49153"): the host port of the first line
            String first = mapped.output().lines().findFirst().orElse("");
            ports.put(bare, mapped.exitCode() == 0 && first.contains(":") ? first.substring(first.lastIndexOf(':') + 1) : bare);
        }
        context.put(service.name(), Map.of("id", run.output().lines().reduce((a, b) -> b).orElse(""), "network", network,
                "ports", ports));
        return null;
    }

    private String awaitHealthy(LeasedJob.Service service, Map<String, String> cliEnv, long deadlineNanos, LogStreamer log)
            throws IOException, InterruptedException {
        String container = network.replaceFirst("-net$", "-svc-" + service.name());
        long until = Math.min(deadlineNanos, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HEALTH_WAIT_MS));
        while (true) {
            Docker.Result status = docker.run(List.of("inspect", "--format",
                    "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", container), cliEnv);
            String state = status.output().strip();
            if (status.exitCode() == 0 && (state.equals("healthy") || state.equals("running"))) {
                log.line("::delta:: service " + service.name() + " is " + state);
                return null;
            }
            if (status.exitCode() != 0 || state.equals("unhealthy") || state.equals("exited") || state.equals("dead")) {
                Docker.Result logs = docker.run(List.of("logs", "--tail", "20", container), cliEnv);
                logs.output().lines().forEach(line -> log.line("::delta::   " + service.name() + ": " + line));
                return "service '" + service.name() + "' is " + (state.isEmpty() ? "gone" : state)
                        + " (its last log lines are above)";
            }
            if (System.nanoTime() > until) {
                return "service '" + service.name() + "' was not healthy within "
                        + TimeUnit.MILLISECONDS.toSeconds(HEALTH_WAIT_MS) + " s (it is " + state + ")";
            }
            Thread.sleep(1000);
        }
    }

    /** Removes the services and the network; quiet, as it runs when the job ends however it ended. */
    void stop(Map<String, String> cliEnv) {
        try {
            if (!started.isEmpty()) {
                List<String> args = new ArrayList<>(List.of("rm", "--force", "--volumes"));
                args.addAll(started);
                docker.run(args, cliEnv);
            }
            if (networkCreated) {
                docker.run(List.of("network", "rm", network), cliEnv);
            }
        } catch (IOException e) {
            // Docker went away: nothing left to remove through it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
