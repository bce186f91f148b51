package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.Presence;
import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.scale.AutoScalingFleet;
import dev.deltaci.functions.scale.RunnerFleet;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.support.MotoServer;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.RunnerApiClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * The scaler on a real AWS-protocol EC2 Auto Scaling group (moto's): it creates nothing itself,
 * raises the desired count for queued work (instances launched protected from scale-in), drains
 * the idle instance, terminates only that one with the desired count decremented, and leaves the
 * busy one alone.
 */
class AutoScalingGroupTest extends PlaneTest {

    private static final String GROUP = "delta-test-runners";
    private static MotoServer moto;
    private static AutoScalingClient autoScaling;

    @BeforeAll
    static void createGroup() throws Exception {
        moto = MotoServer.startOrSkip();
        autoScaling = moto.client(AutoScalingClient.builder());
        try (Ec2Client ec2 = moto.client(Ec2Client.builder())) {
            String image = ec2.describeImages(r -> r.maxResults(5)).images().get(0).imageId();
            ec2.createLaunchTemplate(r -> r.launchTemplateName("delta-runner").launchTemplateData(d -> d.imageId(image)
                    .instanceType("m7g.large").metadataOptions(m -> m.httpTokens("required").httpPutResponseHopLimit(1))));
        }
        autoScaling.createAutoScalingGroup(r -> r.autoScalingGroupName(GROUP).minSize(0).maxSize(5).desiredCapacity(0)
                .availabilityZones("us-east-1a").newInstancesProtectedFromScaleIn(true)
                .launchTemplate(t -> t.launchTemplateName("delta-runner").version("$Latest")));
    }

    @AfterAll
    static void stopMoto() {
        if (autoScaling != null) {
            autoScaling.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options defaults) {
        return defaults.withScheduleInterval(null).withEnvironment(Map.of())
                .withAutoscaling(new AutoScalingFleet(autoScaling), GROUP, 5, Duration.ofSeconds(1));
    }

    @Test
    void theScaler_shouldScaleOutAtOnce_thenTerminateOnlyTheDrainedIdleInstance() throws Exception {
        // given two jobs waiting, no instance
        String runId = pushRun("jobs:\n  a: {steps: [{run: 'true'}]}\n  b: {steps: [{run: 'true'}]}\n");

        // when the scaler passes: two instances, each protected from scale-in
        plane.scaleNow();
        List<Instance> launched = group().instances();
        assertThat(group().desiredCapacity()).isEqualTo(2);
        assertThat(launched).hasSize(2).allSatisfy(i -> assertThat(i.protectedFromScaleIn()).isTrue());

        // their runners register on them; one runs job a, the other has been idle a while
        RunnerApiClient busy = runnerOn(launched.get(0).instanceId());
        RunnerApiClient idle = runnerOn(launched.get(1).instanceId());
        LeaseReply.Leased a = (LeaseReply.Leased) busy.lease(runId, "a", 0);
        busy.presence(Presence.BUSY, 1_000L);
        LeaseReply.Leased b = (LeaseReply.Leased) idle.lease(runId, "b", 0);
        idle.complete(runId, "b", b.lease().epoch(), b.job().attempt(), b.lease().startedAtEpochMs(), 0, null, 0, null);
        idle.presence(Presence.IDLE, 120_000L);

        plane.scaleNow(); // drains the idle one
        assertThat(plane.plane().fleetStore().instance(launched.get(1).instanceId()).orElseThrow().draining()).isTrue();
        plane.scaleNow(); // terminates it: drained, holds no work

        // then only the idle instance went, and the desired count went with it
        RunnerFleet.Group after = new AutoScalingFleet(autoScaling).describe(GROUP);
        assertThat(after.desired()).isEqualTo(1);
        assertThat(after.members()).filteredOn(m -> !m.leaving()).extracting(RunnerFleet.Member::instanceId)
                .containsExactly(launched.get(0).instanceId());
        assertThat(store.getJob(runId, "a").orElseThrow().state()).isEqualTo(JobState.RUNNING);
        assertThat(plane.plane().fleetStore().instance(launched.get(0).instanceId()).orElseThrow().draining())
                .as("the busy instance is not drained").isFalse();

        // and once job a is done and its runner idle past the timeout, the group goes back to zero
        busy.complete(runId, "a", a.lease().epoch(), a.job().attempt(), a.lease().startedAtEpochMs(), 0, null, 0, null);
        busy.presence(Presence.IDLE, 120_000L);
        plane.scaleNow();
        plane.scaleNow();
        assertThat(group().desiredCapacity()).isZero();
    }

    private software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup group() {
        return autoScaling.describeAutoScalingGroups(r -> r.autoScalingGroupNames(GROUP)).autoScalingGroups().get(0);
    }

    private RunnerApiClient runnerOn(String instanceId) throws Exception {
        RunnerApiClient runner = plane.runnerClient("runner-" + instanceId).onInstance(instanceId);
        runner.register();
        return runner;
    }
}
