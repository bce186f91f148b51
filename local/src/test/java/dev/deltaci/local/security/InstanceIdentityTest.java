package dev.deltaci.local.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deltaci.api.AwsIdentityProof;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.support.GroupInMemory;
import dev.deltaci.local.support.MotoServer;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.AwsIdentitySigner;
import dev.deltaci.runner.RunnerApiClient;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * Registration without a shared secret: an instance of the fleet proves who it is with a
 * GetCallerIdentity signed by its instance role, which the runner API checks with STS (moto's
 * here). Attacks from where an attacker stands: a replayed proof, another role's credentials, an
 * instance outside the group, another audience, a proof that asks STS for something else.
 */
class InstanceIdentityTest extends PlaneTest {

    private static final String ROLE = "delta-runner-role";
    private static final String INSTANCE = "i-0123456789abcdef0";
    private static MotoServer moto;
    private final GroupInMemory group = new GroupInMemory();

    @BeforeAll
    static void startMoto() throws Exception {
        moto = MotoServer.startOrSkip();
        try (IamClient iam = moto.client(IamClient.builder())) {
            for (String role : List.of(ROLE, "some-other-role")) {
                iam.createRole(r -> r.roleName(role).assumeRolePolicyDocument("{\"Version\": \"2012-10-17\", "
                        + "\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"Service\": \"ec2.amazonaws.com\"}, "
                        + "\"Action\": \"sts:AssumeRole\"}]}"));
            }
        }
    }

    @AfterAll
    static void stopMoto() {
        if (moto != null) {
            moto.close();
        }
    }

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options defaults) {
        LocalControlPlane.Options autoscaled = defaults.withScheduleInterval(null)
                .withAutoscaling(group, GroupInMemory.NAME, 3, java.time.Duration.ofMinutes(5));
        Map<String, String> env = new HashMap<>(autoscaled.environmentOverrides());
        env.put("RUNNER_POOLS", env.get("RUNNER_POOLS").replace("\"ephemeral\"", "\"instanceRole\": \"" + ROLE + "\", \"ephemeral\""));
        env.put("RUNNER_IDENTITY_STS_ENDPOINT", moto.endpoint() + "/");
        return autoscaled.withEnvironment(env);
    }

    /** The credentials EC2 gives an instance: its role's, in a session named after the instance. */
    private static AwsCredentialsProvider instanceCredentials(String role, String instanceId) {
        try (StsClient sts = moto.client(StsClient.builder())) {
            Credentials c = sts.assumeRole(r -> r.roleArn("arn:aws:iam::123456789012:role/" + role)
                    .roleSessionName(instanceId)).credentials();
            return StaticCredentialsProvider.create(AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(),
                    c.sessionToken()));
        }
    }

    private static AwsIdentitySigner signer(String role, String instanceId, String audience) {
        return new AwsIdentitySigner(instanceCredentials(role, instanceId), "us-east-1", URI.create(moto.endpoint() + "/"),
                audience);
    }

    private RunnerApiClient runner(java.util.function.Supplier<AwsIdentityProof> proofs) {
        return new RunnerApiClient(plane.apiUrl(), "ec2-runner", List.of(), null).withAwsIdentity(proofs);
    }

    @Test
    void anInstanceOfTheGroup_shouldRegister_boundToTheInstanceSTSNames() throws Exception {
        // given the instance is in the group, as the scaler has seen
        group.add(INSTANCE);
        plane.scaleNow();

        RunnerApiClient runner = runner(signer(ROLE, INSTANCE, AwsIdentityProof.DEFAULT_AUDIENCE));
        runner.register();

        assertThat(runner.runnerId()).startsWith("ec2-runner-");
        assertThat(plane.plane().fleetStore().instance(INSTANCE).orElseThrow().runners()).containsOnlyKeys(runner.runnerId());
        // bound to its instance: once that is drained, the runner leases nothing
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: 'true'}]\n");
        plane.plane().fleetStore().drain(INSTANCE, "local", "test");
        assertThat(runner.lease(runId, "build", 0)).isInstanceOf(LeaseReply.Draining.class);
    }

    @Test
    void aProof_shouldRegisterOnce_andItsReplayBeRefused() throws Exception {
        group.add(INSTANCE);
        plane.scaleNow();
        AwsIdentityProof proof = signer(ROLE, INSTANCE, AwsIdentityProof.DEFAULT_AUDIENCE).get();
        runner(() -> proof).register();

        assertThatThrownBy(() -> runner(() -> proof).register())
                .isInstanceOf(RunnerApiClient.RegistrationRefusedException.class).hasMessageContaining("used already");
    }

    @Test
    void anotherRolesCredentials_shouldBeRefused() {
        group.add(INSTANCE);
        plane.scaleNow();

        assertThatThrownBy(() -> runner(signer("some-other-role", INSTANCE, AwsIdentityProof.DEFAULT_AUDIENCE)).register())
                .isInstanceOf(RunnerApiClient.RegistrationRefusedException.class)
                .hasMessageContaining("403").hasMessageContaining("not the instance role of a runner pool");
    }

    @Test
    void anInstanceTheScalerHasNotSeenInTheGroup_shouldBeToldToWait_andGetNoCredential() {
        // not in the group: the role's credentials alone are not enough
        RunnerApiClient runner = runner(signer(ROLE, "i-0fffffffffffffff0", AwsIdentityProof.DEFAULT_AUDIENCE));

        assertThatThrownBy(runner::register).isNotInstanceOf(RunnerApiClient.RegistrationRefusedException.class)
                .hasMessageContaining("503").hasMessageContaining("has not been seen");
        assertThat(runner.runnerId()).isNull();
    }

    @Test
    void aTokenHolder_shouldNotRegisterOnAnInstanceOfAPoolWhoseInstancesProveWhoTheyAre() {
        group.add(INSTANCE);
        plane.scaleNow();
        // the pool's registration token in a step's hands: it could name any instance, so it may name none
        RunnerApiClient impostor = plane.runnerClient("ip-10-0-0-1-slot-1").onInstance(INSTANCE);

        assertThatThrownBy(impostor::register).isInstanceOf(RunnerApiClient.RegistrationRefusedException.class)
                .hasMessageContaining("403").hasMessageContaining("by their identity");
        assertThat(plane.plane().fleetStore().instance(INSTANCE).orElseThrow().runners()).isEmpty();
    }

    @Test
    void aProofForAnotherAudience_orForAnotherAction_orUnsigned_shouldBeRefused_beforeSTSIsAsked() {
        group.add(INSTANCE);
        plane.scaleNow();
        AwsIdentityProof good = signer(ROLE, INSTANCE, AwsIdentityProof.DEFAULT_AUDIENCE).get();
        AwsIdentityProof otherAudience = signer(ROLE, INSTANCE, "some-other-service").get();
        AwsIdentityProof otherAction = new AwsIdentityProof(good.headers(),
                "Action=AssumeRole&RoleArn=arn:aws:iam::123456789012:role/admin&Version=2011-06-15");
        Map<String, String> unsignedHeaders = new HashMap<>(good.headers());
        unsignedHeaders.remove("Authorization");
        AwsIdentityProof unsigned = new AwsIdentityProof(unsignedHeaders, AwsIdentityProof.BODY);

        assertThatThrownBy(() -> runner(() -> otherAudience).register()).hasMessageContaining("audience");
        assertThatThrownBy(() -> runner(() -> otherAction).register()).hasMessageContaining("nothing else");
        assertThatThrownBy(() -> runner(() -> unsigned).register()).hasMessageContaining("not signed");
        assertThat(plane.plane().fleetStore().instance(INSTANCE).orElseThrow().runners()).as("no runner registered")
                .isEmpty();
    }
}
