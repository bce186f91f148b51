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
    public final String name;
    public final Set<String> members = new LinkedHashSet<>();
    public final List<String> terminated = new ArrayList<>();
    public int desired;
    /** False: (spot) capacity is gone; the group is asked for instances it does not launch. */
    public boolean launches = true;
    private int launched;

    public GroupInMemory() {
        this(NAME);
    }

    public GroupInMemory(String name) {
        this.name = name;
    }

    /** Two groups as one fleet, each answering for its own name (a spot group and its on-demand fallback). */
    public static RunnerFleet both(GroupInMemory first, GroupInMemory second) {
        return new RunnerFleet() {
            private GroupInMemory of(String group) {
                return group.equals(first.name) ? first : second;
            }

            @Override
            public Group describe(String group) {
                return of(group).describe(group);
            }

            @Override
            public void setDesired(String group, int desired) {
                of(group).setDesired(group, desired);
            }

            @Override
            public void terminate(String group, String instanceId) {
                of(group).terminate(group, instanceId);
            }
        };
    }

    /** An instance the group launched (by hand: a test's runner registers on it). */
    public synchronized void add(String id) {
        members.add(id);
        desired = members.size();
    }

    @Override
    public synchronized Group describe(String group) {
        assertThat(group).isEqualTo(name);
        return new Group(name, desired, 0, 10, members.stream().map(id -> new Member(id, false, true)).toList());
    }

    @Override
    public synchronized void setDesired(String group, int newDesired) {
        assertThat(group).isEqualTo(name);
        assertThat(newDesired).as("the scaler only raises the desired count").isGreaterThan(desired);
        while (launches && members.size() < newDesired) {
            members.add(name + "-launched-" + (++launched));
        }
        desired = newDesired;
    }

    @Override
    public synchronized void terminate(String group, String instanceId) {
        assertThat(group).as("terminated through its own group").isEqualTo(name);
        assertThat(members.remove(instanceId)).as(instanceId + " in the group").isTrue();
        terminated.add(instanceId);
        desired--;
    }
}
