package dev.deltaci.local.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.functions.scale.RunnerFleet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** An Auto Scaling group in memory: what the scaler asked of it, and a check that it only ever raises the desired count. */
public final class GroupInMemory implements RunnerFleet {

    public static final String NAME = "group-in-memory";
    public final Set<String> members = new LinkedHashSet<>();
    public final List<String> terminated = new ArrayList<>();
    public int desired;
    /** -1: not a spot group; else its on-demand base, which the scaler may change. */
    public int onDemandBase = -1;
    /** False: spot capacity is gone, the group is asked for instances it does not launch. */
    public boolean launches = true;
    private int launched;

    /** An instance the group launched (by hand: a test's runner registers on it). */
    public synchronized void add(String id) {
        members.add(id);
        desired = members.size();
    }

    @Override
    public synchronized Group describe(String name) {
        assertThat(name).isEqualTo(NAME);
        return new Group(NAME, desired, 0, 10, members.stream().map(id -> new Member(id, false, true)).toList(),
                onDemandBase);
    }

    @Override
    public synchronized void setDesired(String name, int newDesired) {
        assertThat(newDesired).as("the scaler only raises the desired count").isGreaterThan(desired);
        while (launches && members.size() < newDesired) {
            members.add("launched-" + (++launched));
        }
        desired = newDesired;
    }

    @Override
    public synchronized void setOnDemandBase(String name, int base) {
        assertThat(onDemandBase).as("only a spot group's base is changed").isNotNegative();
        onDemandBase = base;
        // on-demand capacity is there: the missing instances launch
        launches = true;
        while (members.size() < desired) {
            members.add("launched-" + (++launched));
        }
    }

    @Override
    public synchronized void terminate(String name, String instanceId) {
        assertThat(members.remove(instanceId)).as(instanceId + " in the group").isTrue();
        terminated.add(instanceId);
        desired--;
    }
}
