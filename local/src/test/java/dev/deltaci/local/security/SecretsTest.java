package dev.deltaci.local.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.RunState;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.support.PlaneTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * Job secrets through real runners: given to the steps that reference them, masked in every form
 * in the stored logs, and never written to DynamoDB or S3 in clear.
 */
class SecretsTest extends PlaneTest {

    private static final String TOKEN = "dtok-9f8e7d6c5b4a";
    private static final String PEM = "-----BEGIN TEST KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END TEST KEY-----";
    private Path secretsFile;

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        try {
            secretsFile = Files.createTempFile("delta-secrets-", ".json");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return o.withScheduleInterval(null).withEnvironment(Map.of("JOB_SECRETS_FILE", secretsFile.toString()));
    }

    @Test
    void secrets_shouldReachOnlyTheirSteps_beMaskedInEveryForm_andBeStoredNowhere() throws Exception {
        LocalRepository repo = fixture.repository("""
                jobs:
                  deploy:
                    steps:
                      - name: uses the secrets
                        env:
                          TOKEN: ${{ secrets.DEPLOY_TOKEN }}
                          PEM: ${{ secrets.SIGNING_KEY }}
                        run: |
                          echo "token is $TOKEN"
                          echo "inline ${{ secrets.DEPLOY_TOKEN }}"
                          printf 'basic %s\\n' "$(printf 'user:%s' "$TOKEN" | base64)"
                          printf '%s\\n' "$PEM"
                          echo "missing is [${{ secrets.NOT_DEFINED }}]"
                      - name: does not
                        run: echo "second step sees [${TOKEN:-nothing}]"
                """);
        Files.writeString(secretsFile, new ObjectMapper().writeValueAsString(Map.of(repo.name(),
                Map.of("DEPLOY_TOKEN", TOKEN, "SIGNING_KEY", PEM, "UNUSED", "never-sent-value"))));
        String runId = fixture.push(repo);

        try (RunnerPool pool = RunnerPool.start(1, plane.runnerTarget(), Files.createTempDirectory("delta-secrets-"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
        }

        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        var logs = plane.plane().logStore();
        String log = String.join("", logs.listChunks(runId, "deploy", 1).stream().map(logs::read).toList());
        String basic = java.util.Base64.getEncoder().encodeToString(("user:" + TOKEN).getBytes());
        assertThat(log).contains("token is ***", "inline ***", "missing is []", "second step sees [nothing]")
                .containsPattern("basic \\S*\\*\\*\\*").doesNotContain(basic)
                .contains("secrets: not defined for " + repo.name() + ": NOT_DEFINED (empty)");
        for (String line : PEM.split("\n")) {
            assertThat(log).as("each line of a multi-line secret").doesNotContain(line);
        }
        assertThat(log).doesNotContain(TOKEN).doesNotContain("never-sent-value");
        assertThat(everythingStored()).doesNotContain(TOKEN).doesNotContain("MIIBOgIBAAJBAKj34GkxFhD9")
                .doesNotContain("never-sent-value");
    }

    /** Every DynamoDB item and every S3 object of the stack, as text. */
    private String everythingStored() {
        StringBuilder all = new StringBuilder();
        try (DynamoDbClient dynamo = stack.endpoints().dynamoClient(); S3Client s3 = stack.endpoints().s3Client()) {
            dynamo.scanPaginator(b -> b.tableName(stack.resources().ref("DeltaTable")))
                    .items().forEach(item -> all.append(item).append('\n'));
            String bucket = stack.resources().ref("ArtifactBucket");
            s3.listObjectsV2Paginator(b -> b.bucket(bucket)).contents().forEach(object -> {
                ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(object.key()));
                all.append(bytes.asUtf8String()).append('\n');
            });
        }
        assertThat(all).as("the scan read the run").contains("deploy");
        return all.toString();
    }
}
