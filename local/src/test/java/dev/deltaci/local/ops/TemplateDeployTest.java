package dev.deltaci.local.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.stack.CloudFormationTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a `sam deploy` of the template needs today: a Lambda runtime that can still be created,
 * the data kept when the stack goes, outputs other stacks can import, and a template cfn-lint
 * passes without an error or a warning (where cfn-lint is installed).
 */
class TemplateDeployTest {

    private static final Path HOME = DeltaHome.locate();
    /** Java runtimes Lambda still creates functions with (java17: creation disabled 2026-07-31). */
    private static final List<String> SUPPORTED_RUNTIMES = List.of("java21", "java25");

    private CloudFormationTemplate template;

    @BeforeEach
    void read() throws IOException {
        template = CloudFormationTemplate.read(HOME.resolve("infra/template.yaml"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyFunction_shouldRunOnAJavaRuntimeLambdaStillCreates() {
        Map<String, Object> globals = (Map<String, Object>) ((Map<String, Object>) template.root().get("Globals")).get("Function");
        assertThat(globals.get("Runtime")).isIn(SUPPORTED_RUNTIMES.toArray());
        template.resourcesOfType("AWS::Serverless::Function").forEach((id, function) ->
                assertThat(CloudFormationTemplate.properties(function).getOrDefault("Runtime", globals.get("Runtime")))
                        .as(id).isIn(SUPPORTED_RUNTIMES.toArray()));
    }

    @Test
    void theTableAndTheBucket_shouldOutliveTheStack() {
        for (String id : List.of("DeltaTable", "ArtifactBucket")) {
            Map<String, Object> resource = template.resources().get(id);
            assertThat(resource.get("DeletionPolicy")).as(id + " DeletionPolicy").isEqualTo("Retain");
            assertThat(resource.get("UpdateReplacePolicy")).as(id + " UpdateReplacePolicy").isEqualTo("Retain");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyOutput_shouldBeExportedUnderTheStacksName() {
        Map<String, Map<String, Object>> outputs = (Map<String, Map<String, Object>>) template.root().get("Outputs");
        assertThat(outputs).containsKeys("ApiUrl", "WebhookUrl", "JobQueueUrl", "RunnerPolicyArn");
        outputs.forEach((name, output) -> {
            assertThat(output.get("Description")).as(name + " Description").isNotNull();
            Map<String, Object> export = (Map<String, Object>) output.get("Export");
            assertThat(export).as(name + " Export").isNotNull();
            assertThat(export.get("Name")).as(name).isEqualTo(Map.of("Fn::Sub", "${AWS::StackName}-" + name));
        });
    }

    @Test
    void theGitHubAppManifest_shouldAskForWhatDeltaUses_andNothingMore() throws IOException {
        com.fasterxml.jackson.databind.JsonNode manifest = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(HOME.resolve("infra/github-app-manifest.json").toFile());

        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().convertValue(manifest.get("default_permissions"), Map.class))
                .isEqualTo(Map.of("contents", "read", "metadata", "read", "checks", "write", "statuses", "write"));
        assertThat(manifest.get("default_events").toString()).isEqualTo("[\"push\",\"pull_request\"]");
        assertThat(manifest.path("hook_attributes").path("url").asText()).endsWith("/webhooks/github");
    }

    /**
     * SnapStart snapshots published versions only: a function invoked as $LATEST starts cold every
     * time. So every function has SnapStart, and, as SAM deploys it, everything that invokes a
     * function (the HTTP API's permissions, the schedules, the queue's event source) names its alias.
     */
    @Test
    @SuppressWarnings("unchecked")
    void everyFunction_shouldResumeFromASnapStartSnapshot_andBeInvokedThroughItsPublishedAlias() throws Exception {
        Process process;
        try {
            process = new ProcessBuilder("python3", HOME.resolve("local/src/test/resources/sam/translate.py").toString(),
                    "infra/template.yaml").directory(HOME.toFile()).start();
        } catch (IOException e) {
            assumeThat(false).as("python3 is not installed here: " + e.getMessage()).isTrue();
            return;
        }
        String json = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assumeThat(process.exitValue()).as("aws-sam-translator is not installed here: " + errors).isNotEqualTo(3);
        assertThat(process.exitValue()).as(errors).isZero();
        Map<String, Map<String, Object>> resources = (Map<String, Map<String, Object>>) new com.fasterxml.jackson.databind
                .ObjectMapper().readValue(json, Map.class).get("Resources");

        Map<String, Object> aliases = new java.util.HashMap<>();
        List<String> functions = new java.util.ArrayList<>();
        resources.forEach((id, resource) -> {
            Map<String, Object> props = (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
            switch (String.valueOf(resource.get("Type"))) {
                case "AWS::Lambda::Function" -> {
                    functions.add(id);
                    assertThat(props.get("SnapStart")).as(id).isEqualTo(Map.of("ApplyOn", "PublishedVersions"));
                }
                case "AWS::Lambda::Alias" -> aliases.put(id, props);
                default -> { }
            }
        });
        assertThat(functions).hasSize(7);
        assertThat(aliases).hasSize(functions.size());
        List<Object> invokers = new java.util.ArrayList<>();
        resources.forEach((id, resource) -> {
            Map<String, Object> props = (Map<String, Object>) resource.getOrDefault("Properties", Map.of());
            switch (String.valueOf(resource.get("Type"))) {
                case "AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping" -> invokers.add(props.get("FunctionName"));
                case "AWS::Events::Rule" -> ((List<Map<String, Object>>) props.get("Targets"))
                        .forEach(target -> invokers.add(target.get("Arn")));
                default -> { }
            }
        });
        assertThat(invokers).hasSizeGreaterThan(functions.size()).allSatisfy(target -> assertThat(target)
                .as("invoked through an alias").isInstanceOf(Map.class)
                .satisfies(ref -> assertThat(aliases).containsKey(String.valueOf(((Map<String, Object>) ref).get("Ref")))));
    }

    @Test
    void cfnLint_shouldFindNoErrorAndNoWarning() throws Exception {
        Process process;
        try {
            process = new ProcessBuilder("cfn-lint", "--non-zero-exit-code", "warning", "infra/template.yaml")
                    .directory(HOME.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeThat(false).as("cfn-lint is not installed here: " + e.getMessage()).isTrue();
            return;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("cfn-lint finished").isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }
}
