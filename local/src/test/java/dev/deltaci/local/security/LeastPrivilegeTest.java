package dev.deltaci.local.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.stack.CloudFormationTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Least privilege in infra/template.yaml: every IAM statement names its actions one by one and
 * its resources by the template's own resources; no wildcard action, no "*" resource, no
 * whole-bucket object access, no AWS managed policy.
 */
class LeastPrivilegeTest {

    private static final Path TEMPLATE = DeltaHome.locate().resolve("infra/template.yaml");
    /** ${Resource.Arn} or ${Resource.Arn}/<named prefix>/... : a wildcard only below a named prefix. */
    private static final Pattern SCOPED_SUB = Pattern.compile("\\$\\{[A-Za-z0-9]+\\.Arn}(/[A-Za-z0-9_.-]+)+(/\\*)?");
    /** The runner group by the name the template gives it: Auto Scaling's writes on that one group. */
    private static final Pattern RUNNER_GROUP = Pattern.compile("arn:\\$\\{AWS::Partition}:autoscaling:\\$\\{AWS::Region}:"
            + "\\$\\{AWS::AccountId}:autoScalingGroup:\\*:autoScalingGroupName/\\$\\{AWS::StackName}-runners(-on-demand)?");
    /** Actions AWS offers no resource-level permission for: "*" is their only resource, in a statement of their own. */
    private static final java.util.Set<String> RESOURCELESS = java.util.Set.of("autoscaling:DescribeAutoScalingGroups");
    /** Secrets under a name prefix parameter, which must be non-empty and end in '/' (checked below). */
    private static final Pattern SECRETS_UNDER_PREFIX = Pattern.compile("arn:\\$\\{AWS::Partition}:secretsmanager:"
            + "\\$\\{AWS::Region}:\\$\\{AWS::AccountId}:secret:\\$\\{([A-Za-z]+Prefix)}\\*");

    @Test
    void theTemplate_shouldGrantNoWildcardActionOrResource() throws Exception {
        List<String> violations = violations(CloudFormationTemplate.read(TEMPLATE));

        assertThat(violations).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void runners_shouldAcceptNoInboundConnections_andReachOutOnlyOverHttps() throws Exception {
        Map<String, Object> group = CloudFormationTemplate.read(TEMPLATE).resources().get("RunnerSecurityGroup");
        Map<String, Object> properties = CloudFormationTemplate.properties(group);

        assertThat(properties).doesNotContainKey("SecurityGroupIngress");
        List<Map<String, Object>> egress = (List<Map<String, Object>>) properties.get("SecurityGroupEgress");
        assertThat(egress).as("an explicit egress list replaces EC2's allow-all default").hasSize(1);
        assertThat(egress.get(0)).containsEntry("IpProtocol", "tcp").containsEntry("FromPort", "443")
                .containsEntry("ToPort", "443");
        assertThat(CloudFormationTemplate.read(TEMPLATE).resourcesOfType("AWS::EC2::SecurityGroupIngress")).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void secretPrefixes_shouldBeNonEmptyAndEndWithASlash() throws Exception {
        Map<String, Object> parameters = (Map<String, Object>) CloudFormationTemplate.read(TEMPLATE).root().get("Parameters");
        Map<String, Object> prefix = (Map<String, Object>) parameters.get("JobSecretsPrefix");
        Pattern allowed = Pattern.compile((String) prefix.get("AllowedPattern"));

        assertThat(allowed.matcher("delta-ci/repos/").matches()).isTrue();
        assertThat(allowed.matcher("").matches()).as("an empty prefix would grant every secret").isFalse();
        assertThat(allowed.matcher("delta").matches()).as("'delta*' would match 'delta-prod-db'").isFalse();
        assertThat(allowed.matcher("*/").matches()).isFalse();
    }

    @Test
    void aWildcardSlippedIntoTheTemplate_shouldBeCaught(@TempDir Path dir) throws Exception {
        String template = Files.readString(TEMPLATE);
        Map<String, String> slips = Map.of(
                "dynamodb:GetItem, dynamodb:PutItem", "dynamodb:*, dynamodb:PutItem",
                "Resource: !Sub \"${ArtifactBucket.Arn}/logs/*\"", "Resource: !Sub \"${ArtifactBucket.Arn}/*\"",
                "Resource: [!GetAtt JobQueue.Arn, !GetAtt RetryQueue.Arn]", "Resource: \"*\"",
                "autoScalingGroupName/${AWS::StackName}-runners\"", "autoScalingGroupName/*\"",
                "Action: [autoscaling:DescribeAutoScalingGroups]", "Action: [autoscaling:DescribeAutoScalingGroups, autoscaling:SetDesiredCapacity]",
                "Resource: !Sub \"${ArtifactBucket.Arn}/runners/*\"", "Resource: !Sub \"${ArtifactBucket.Arn}/*\"");
        for (Map.Entry<String, String> slip : slips.entrySet()) {
            assertThat(template).contains(slip.getKey());
            Path mutated = dir.resolve("template-" + Math.abs(slip.getValue().hashCode()) + ".yaml");
            Files.writeString(mutated, template.replace(slip.getKey(), slip.getValue()));

            assertThat(violations(CloudFormationTemplate.read(mutated))).as(slip.getValue()).isNotEmpty();
        }
    }

    /** Every statement of every function's Policies and every managed policy, checked. */
    @SuppressWarnings("unchecked")
    static List<String> violations(CloudFormationTemplate template) {
        List<String> violations = new ArrayList<>();
        template.resources().forEach((id, resource) -> {
            Map<String, Object> properties = CloudFormationTemplate.properties(resource);
            List<Object> statements = new ArrayList<>();
            if ("AWS::Serverless::Function".equals(resource.get("Type"))) {
                for (Object policy : (List<Object>) properties.getOrDefault("Policies", List.of())) {
                    if (policy instanceof Map<?, ?> map && map.containsKey("Statement")) {
                        statements.addAll((List<Object>) map.get("Statement"));
                    } else {
                        violations.add(id + ": policy " + policy + " is not a statement list (managed policies grant too much)");
                    }
                }
            } else if ("AWS::IAM::ManagedPolicy".equals(resource.get("Type"))
                    || "AWS::IAM::Policy".equals(resource.get("Type"))) {
                Map<String, Object> document = (Map<String, Object>) properties.get("PolicyDocument");
                statements.addAll((List<Object>) document.get("Statement"));
            } else if ("AWS::IAM::Role".equals(resource.get("Type"))) {
                for (Object policy : (List<Object>) properties.getOrDefault("Policies", List.of())) {
                    Map<String, Object> document = (Map<String, Object>) ((Map<String, Object>) policy).get("PolicyDocument");
                    statements.addAll((List<Object>) document.get("Statement"));
                }
                for (Object managed : (List<Object>) properties.getOrDefault("ManagedPolicyArns", List.of())) {
                    if (!(managed instanceof Map<?, ?> ref && ref.containsKey("Ref"))) {
                        violations.add(id + ": managed policy " + managed + " is not one of the template's own");
                    }
                }
            }
            for (Object item : statements) {
                Map<String, Object> statement = (Map<String, Object>) item;
                for (Object action : asList(statement.get("Action"))) {
                    if (!(action instanceof String name) || name.contains("*")) {
                        violations.add(id + ": action " + action + " is a wildcard");
                    }
                }
                List<Object> actions = asList(statement.get("Action"));
                if ("*".equals(statement.get("Resource")) && !actions.isEmpty() && RESOURCELESS.containsAll(actions)) {
                    continue;
                }
                for (Object target : asList(statement.get("Resource"))) {
                    if (!scoped(target)) {
                        violations.add(id + ": resource " + target + " is not one of the template's resources");
                    }
                }
            }
        });
        return violations;
    }

    private static boolean scoped(Object resource) {
        if (resource instanceof Map<?, ?> intrinsic) {
            if (intrinsic.containsKey("Ref") || intrinsic.containsKey("Fn::GetAtt")) {
                return true;
            }
            return intrinsic.get("Fn::Sub") instanceof String sub
                    && (SCOPED_SUB.matcher(sub).matches() || SECRETS_UNDER_PREFIX.matcher(sub).matches()
                    || RUNNER_GROUP.matcher(sub).matches());
        }
        return false; // a literal ARN or "*": not tied to this stack
    }

    private static List<Object> asList(Object value) {
        return value instanceof List<?> list ? new ArrayList<>(list) : value == null ? List.of() : List.of(value);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theBucket_shouldKeepVersions_andExpireLogsAndArtifactsAfterTheRetention() throws Exception {
        Map<String, Object> bucket = CloudFormationTemplate.properties(
                CloudFormationTemplate.read(TEMPLATE).resources().get("ArtifactBucket"));

        assertThat((Map<String, Object>) bucket.get("VersioningConfiguration")).containsEntry("Status", "Enabled");
        List<Map<String, Object>> rules = (List<Map<String, Object>>)
                ((Map<String, Object>) bucket.get("LifecycleConfiguration")).get("Rules");
        assertThat(rules).extracting(r -> r.get("Prefix")).contains("logs/", "artifacts/");
        assertThat(rules).filteredOn(r -> r.get("Prefix") != null)
                .allSatisfy(r -> assertThat(r.get("ExpirationInDays")).isEqualTo(Map.of("Ref", "RetentionDays")));
        assertThat(rules).anySatisfy(r -> assertThat(r).containsKey("NoncurrentVersionExpiration"));
    }
}
