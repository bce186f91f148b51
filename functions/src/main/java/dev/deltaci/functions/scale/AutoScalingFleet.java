package dev.deltaci.functions.scale;

import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.Instance;

/**
 * Runner pools as EC2 Auto Scaling groups. The groups launch instances protected from scale-in
 * ({@code NewInstancesProtectedFromScaleIn}), so Auto Scaling never chooses one to end; this
 * adapter ends only the instances the scaler has drained, with
 * {@code TerminateInstanceInAutoScalingGroup(ShouldDecrementDesiredCapacity=true)}.
 */
public final class AutoScalingFleet implements RunnerFleet {

    /** Lifecycle states in which an instance is (or becomes) capacity. */
    private static final Set<String> SERVING = Set.of("Pending", "Pending:Wait", "Pending:Proceed", "InService");

    private final AutoScalingClient autoScaling;

    public AutoScalingFleet(AutoScalingClient autoScaling) {
        this.autoScaling = autoScaling;
    }

    @Override
    public Group describe(String group) {
        List<AutoScalingGroup> groups = autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames(group))
                .autoScalingGroups();
        if (groups.isEmpty()) {
            throw new IllegalStateException("Auto Scaling group " + group + " does not exist");
        }
        AutoScalingGroup found = groups.get(0);
        List<Member> members = found.instances().stream().map(AutoScalingFleet::member).toList();
        return new Group(found.autoScalingGroupName(), found.desiredCapacity(), found.minSize(), found.maxSize(), members);
    }

    private static Member member(Instance instance) {
        return new Member(instance.instanceId(), !SERVING.contains(instance.lifecycleStateAsString()),
                Boolean.TRUE.equals(instance.protectedFromScaleIn()));
    }

    @Override
    public void setDesired(String group, int desired) {
        // honorCooldown false: scale-out is at once, and this group has no scaling policies of its own
        autoScaling.setDesiredCapacity(b -> b.autoScalingGroupName(group).desiredCapacity(desired).honorCooldown(false));
    }

    @Override
    public void terminate(String group, String instanceId) {
        autoScaling.terminateInstanceInAutoScalingGroup(b -> b.instanceId(instanceId).shouldDecrementDesiredCapacity(true));
    }
}
