package dev.deltaci.local.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.stack.CloudFormationTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The runner fleet in infra/template.yaml: instances Auto Scaling never picks to end, a
 * metadata service a container cannot reach, a role with the queue and the jar only, and a boot
 * that installs the unit kept in the repository (infra/runner/delta-runner@.service).
 */
class RunnerFleetTemplateTest {

    private static final Path HOME = DeltaHome.locate();
    private CloudFormationTemplate template;

    @BeforeEach
    void read() throws IOException {
        template = CloudFormationTemplate.read(HOME.resolve("infra/template.yaml"));
    }

    private Map<String, Object> properties(String id) {
        return CloudFormationTemplate.properties(template.resources().get(id));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theGroup_shouldProtectNewInstancesFromScaleIn_andLeaveTheDesiredCountToTheScaler() {
        Map<String, Object> group = properties("RunnerGroup");

        assertThat(group).containsEntry("NewInstancesProtectedFromScaleIn", "true").containsEntry("MinSize", "0")
                .doesNotContainKey("DesiredCapacity");
        assertThat(group.get("VPCZoneIdentifier")).isEqualTo(Map.of("Ref", "RunnerSubnetIds"));
        Map<String, Object> distribution = (Map<String, Object>) ((Map<String, Object>) group.get("MixedInstancesPolicy"))
                .get("InstancesDistribution");
        assertThat(distribution).containsEntry("SpotAllocationStrategy", "price-capacity-optimized");
        assertThat(template.resources().get("RunnerGroup")).containsEntry("Condition", "HasRunnerFleet");
        // the spot group's on-demand fallback is protected the same way, and only ever sized by the scaler
        Map<String, Object> onDemand = properties("RunnerOnDemandGroup");
        assertThat(onDemand).containsEntry("NewInstancesProtectedFromScaleIn", "true").containsEntry("MinSize", "0")
                .doesNotContainKey("DesiredCapacity");
        assertThat(template.resources().get("RunnerOnDemandGroup")).containsEntry("Condition", "HasSpotFleet");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theLaunchTemplate_shouldRequireImdsV2_withOneHop_onAmazonLinux2023() {
        Map<String, Object> data = (Map<String, Object>) properties("RunnerLaunchTemplate").get("LaunchTemplateData");

        assertThat((Map<String, Object>) data.get("MetadataOptions")).containsEntry("HttpTokens", "required")
                .containsEntry("HttpPutResponseHopLimit", "1");
        assertThat(data.get("ImageId")).isEqualTo(Map.of("Fn::Sub",
                "{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${RunnerArchitecture}}}"));
        List<Map<String, Object>> disks = (List<Map<String, Object>>) data.get("BlockDeviceMappings");
        assertThat((Map<String, Object>) disks.get(0).get("Ebs")).containsEntry("Encrypted", "true");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theInstanceRole_shouldHoldTheQueueAndTheRunnerJar_only() {
        Map<String, Object> role = properties("RunnerInstanceRole");

        assertThat(role.get("ManagedPolicyArns")).isEqualTo(List.of(Map.of("Ref", "RunnerPolicy")));
        List<Map<String, Object>> policies = (List<Map<String, Object>>) role.get("Policies");
        assertThat(policies).hasSize(1);
        List<Map<String, Object>> statements = (List<Map<String, Object>>)
                ((Map<String, Object>) policies.get(0).get("PolicyDocument")).get("Statement");
        assertThat(statements).singleElement().satisfies(s -> {
            assertThat(s.get("Action")).isEqualTo(List.of("s3:GetObject"));
            assertThat(s.get("Resource")).isEqualTo(Map.of("Fn::Sub", "${ArtifactBucket.Arn}/runners/*"));
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void theBoot_shouldInstallTheRepositorysUnit_andRunStepsAsAnUnprivilegedUserCutOffFromTheMetadataService()
            throws IOException {
        Map<String, Object> data = (Map<String, Object>) properties("RunnerLaunchTemplate").get("LaunchTemplateData");
        List<Object> sub = (List<Object>) ((Map<String, Object>) ((Map<String, Object>) data.get("UserData"))
                .get("Fn::Base64")).get("Fn::Sub");
        String script = (String) sub.get(0);
        Map<String, Object> variables = (Map<String, Object>) sub.get(1);

        assertThat(((String) variables.get("Unit")).strip())
                .isEqualTo(Files.readString(HOME.resolve("infra/runner/delta-runner@.service")).strip());
        assertThat(script).contains("java-21-amazon-corretto-headless", "git-core",
                "s3://${ArtifactBucket}/runners/delta-runner-${RunnerVersion}.jar",
                "job-user = delta-job", "register-with = aws-identity",
                "systemctl enable --now \"delta-runner@$slot.service\"");
        assertThat(script).as("no registration token on the instance").doesNotContain("registration-token");
    }

    @Test
    void theUnit_shouldNotRestartADrainedRunner() throws IOException {
        String unit = Files.readString(HOME.resolve("infra/runner/delta-runner@.service"));

        assertThat(unit).contains("Restart=on-failure", "RestartPreventExitStatus=2 3",
                "--config /etc/delta-runner/runner.properties");
        // before every start, so a rebooted instance's steps are cut off from the metadata service too
        assertThat(unit).contains("ExecStartPre=/bin/sh -c 'iptables -C OUTPUT -d 169.254.169.254 -m owner --uid-owner "
                + "delta-job -j REJECT 2>/dev/null || iptables -A OUTPUT -d 169.254.169.254 -m owner --uid-owner delta-job -j REJECT'");
    }

    @Test
    void theContainerImage_shouldRunTheBuiltJar_withStepsAsAnUnprivilegedUser() throws IOException {
        String dockerfile = Files.readString(HOME.resolve("infra/runner/Dockerfile"));

        assertThat(dockerfile).contains("COPY runner/target/delta-runner.jar /opt/delta-runner/delta-runner.jar",
                "useradd --create-home --shell /bin/bash delta-job", "ENV DELTA_JOB_USER=delta-job",
                "\"-jar\", \"/opt/delta-runner/delta-runner.jar\"", "git");
        assertThat(dockerfile).as("no secret baked into the image").doesNotContain("registration-token-file",
                "DELTA_REGISTRATION_TOKEN", "AWS_SECRET_ACCESS_KEY");
    }
}
