package dev.deltaci.functions.scale;

import java.util.List;
import java.util.Set;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.autoscaling.model.MixedInstancesPolicy;

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
        Integer base = found.mixedInstancesPolicy() == null || found.mixedInstancesPolicy().instancesDistribution() == null
                ? null : found.mixedInstancesPolicy().instancesDistribution().onDemandBaseCapacity();
        return new Group(found.autoScalingGroupName(), found.desiredCapacity(), found.minSize(), found.maxSize(), members,
                base == null ? -1 : base);
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

    /**
     * Only the on-demand base changes: the policy is sent back as the group has it (launch
     * template, instance types, the rest of the distribution), with the new base.
     */
    @Override
    public void setOnDemandBase(String group, int base) {
        AutoScalingGroup found = autoScaling.describeAutoScalingGroups(b -> b.autoScalingGroupNames(group))
                .autoScalingGroups().stream().findFirst()
                .orElseThrow(() -> new IllegalStateException("Auto Scaling group " + group + " does not exist"));
        if (found.mixedInstancesPolicy() == null || found.mixedInstancesPolicy().instancesDistribution() == null) {
            throw new IllegalStateException("Auto Scaling group " + group + " has no mixed instances policy");
        }
        MixedInstancesPolicy current = found.mixedInstancesPolicy();
        // Describe names the launch template by id and by name; an update takes one of them
        LaunchTemplateSpecification template = current.launchTemplate().launchTemplateSpecification();
        LaunchTemplateSpecification byOne = template.launchTemplateId() != null
                ? LaunchTemplateSpecification.builder().launchTemplateId(template.launchTemplateId()).version(template.version()).build()
                : LaunchTemplateSpecification.builder().launchTemplateName(template.launchTemplateName()).version(template.version()).build();
        MixedInstancesPolicy policy = current.toBuilder()
                .launchTemplate(current.launchTemplate().toBuilder().launchTemplateSpecification(byOne).build())
                .instancesDistribution(current.instancesDistribution().toBuilder().onDemandBaseCapacity(base).build())
                .build();
        autoScaling.updateAutoScalingGroup(b -> b.autoScalingGroupName(group).mixedInstancesPolicy(policy));
    }

    @Override
    public void terminate(String group, String instanceId) {
        autoScaling.terminateInstanceInAutoScalingGroup(b -> b.instanceId(instanceId).shouldDecrementDesiredCapacity(true));
    }
}
