package dev.deltaci.local.host;

import dev.deltaci.functions.scale.RunnerFleet;
import dev.deltaci.runner.RunnerMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A runner pool on this machine for {@code --autoscale}: each "instance" is a runner process
 * registered with {@code --instance-id local-i-N}, started when the scaler raises the desired
 * count and stopped (SIGTERM, as an instance's shutdown) when it terminates a drained one. As
 * systemd does on an instance, a runner that dies (crash, SIGKILL) is started again on the same
 * instance, unless it exited because the instance was drained (exit 3), its registration was
 * refused (exit 2), or it stopped normally: what the unit's {@code RestartPreventExitStatus} says.
 */
public final class ProcessFleet implements RunnerFleet, AutoCloseable {

    private static final Duration STOP_GRACE = Duration.ofSeconds(10);

    /** What the pool did over its life: for {@code delta run --json} and the tests. */
    public record Stats(int started, int stopped, int restarted, int peak, int running) {
    }

    /** The group name the local control plane's {@code RUNNER_POOLS} gives this fleet. */
    public static final String GROUP = "local-autoscale";

    private final String group;
    private volatile RunnerPool runners;
    private volatile boolean closed;
    private final Supplier<RunnerPool> pool = () -> {
        RunnerPool attached = runners;
        if (attached == null) {
            throw new IllegalStateException("the runner processes are not ready yet (the control plane is starting)");
        }
        if (closed) {
            throw new IllegalStateException("the runner processes are stopped (the control plane is stopping)");
        }
        return attached;
    };
    /** The instances, in launch order. */
    private final Set<String> instances = new LinkedHashSet<>();
    private int sequence;
    private int started;
    private int stopped;
    private int restarted;
    private int peak;

    private final Consumer<String> events;

    public ProcessFleet() {
        this(event -> { });
    }

    /** @param events told of each runner started, stopped or restarted, in a line a person reads */
    public ProcessFleet(Consumer<String> events) {
        this.group = GROUP;
        this.events = events;
    }

    /**
     * Where this fleet's runner processes start: a pool of its own, made once the control
     * plane's port is known (the plane is built with the fleet, so this comes after).
     */
    public ProcessFleet attach(RunnerPool processes) {
        this.runners = processes;
        return this;
    }

    @Override
    public synchronized Group describe(String name) {
        requireGroup(name);
        for (String instance : instances) {
            Integer exit = pool.get().exitCode(instance).orElse(null);
            if (exit != null && exit != 0 && exit != RunnerMain.EXIT_USAGE && exit != RunnerMain.EXIT_DRAINED) {
                // a runner that died: its "instance" starts it again, as systemd's Restart=on-failure would
                launch(instance);
                restarted++;
                events.accept("restarted the runner of " + instance + " (it exited " + exit + ")");
            }
        }
        peak = Math.max(peak, pool.get().alive());
        List<Member> members = new ArrayList<>();
        instances.forEach(id -> members.add(new Member(id, false, true)));
        return new Group(group, instances.size(), 0, Integer.MAX_VALUE, members);
    }

    @Override
    public synchronized void setDesired(String name, int desired) {
        requireGroup(name);
        while (instances.size() < desired) {
            String id = "local-i-" + (++sequence);
            instances.add(id);
            launch(id);
            started++;
            events.accept("started a runner on " + id + " (desired " + desired + ")");
        }
        peak = Math.max(peak, pool.get().alive());
    }

    @Override
    public synchronized void terminate(String name, String instanceId) {
        requireGroup(name);
        if (!instances.remove(instanceId)) {
            throw new IllegalArgumentException("instance " + instanceId + " is not in group " + group);
        }
        pool.get().stop(instanceId, STOP_GRACE);
        stopped++;
        events.accept("stopped " + instanceId + " (drained, idle)");
    }

    public synchronized Stats stats() {
        return new Stats(started, stopped, restarted, closed ? peak : Math.max(peak, pool.get().alive()), instances.size());
    }

    /** SIGKILLs the runner with this id (as the control plane knows it), as a crashing instance would; its instance restarts it. */
    public synchronized boolean kill(String runnerId) {
        String instance = RunnerPool.nameOf(runnerId);
        if (!instances.contains(instance)) {
            return false;
        }
        // the process goes, its instance stays: the next look at the group starts it again
        return pool.get().process(runnerId).destroyForcibly();
    }

    /** The instance ids now in the pool (tests pick one to kill). */
    public synchronized List<String> instances() {
        return List.copyOf(instances);
    }

    private void launch(String instanceId) {
        try {
            pool.get().addOnInstance(instanceId);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a runner on " + instanceId, e);
        }
    }

    private void requireGroup(String name) {
        if (!group.equals(name)) {
            throw new IllegalArgumentException("no group " + name + " here (this is " + group + ")");
        }
    }

    @Override
    public synchronized void close() {
        if (runners != null) {
            runners.close();
        }
        closed = true;
        instances.clear();
    }
}
