package dev.deltaci.functions.scale;

import java.util.List;

/**
 * The groups of instances the scaler sizes: EC2 Auto Scaling groups in the cloud
 * ({@link AutoScalingFleet}), runner processes on a laptop ({@code delta run --autoscale}).
 * The scaler only ever raises a group's desired count; it lowers it only by terminating a
 * drained instance with the count decremented, so the group never picks an instance itself.
 */
public interface RunnerFleet {

    /** A group as it is now. */
    record Group(String name, int desired, int min, int max, List<Member> members) {
        public Group {
            members = List.copyOf(members);
        }
    }

    /**
     * An instance of a group; {@code leaving}: terminating, terminated, detaching or in standby
     * (it is no capacity and needs nothing from the scaler).
     */
    record Member(String instanceId, boolean leaving, boolean protectedFromScaleIn) {
    }

    Group describe(String group);

    /** Raises the group's desired count (never lowers it: see the class comment). */
    void setDesired(String group, int desired);

    /** Terminates one drained instance and decrements the group's desired count with it. */
    void terminate(String group, String instanceId);
}
