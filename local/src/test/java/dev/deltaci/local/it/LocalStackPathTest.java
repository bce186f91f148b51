package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.support.StackContents;
import dev.deltaci.local.support.TestStacks;
import org.junit.jupiter.api.Test;

/**
 * The LocalStack path of the stack provider. Every other integration test runs on whichever
 * stack {@link TestStacks} picks; this one makes sure LocalStack itself is exercised (and
 * provisions from the template) wherever a Docker engine answers.
 */
class LocalStackPathTest {

    @Test
    void localStack_shouldProvisionTheTemplate_whenDockerIsAvailable() {
        assumeTrue(TestStacks.dockerAvailable(), "no Docker engine reachable: the LocalStack path is skipped; "
                + "the integration suite ran against the embedded stack (dynalite, ElasticMQ, S3Proxy) instead");
        try (AwsStack stack = TestStacks.startLocalStack()) {
            assertThat(stack.kind()).isEqualTo("localstack");
            assertThat(stack.resources().refs()).containsKeys("DeltaTable", "JobQueue", "JobDeadLetterQueue", "ArtifactBucket");
            assertThat(StackContents.of(stack)).isEqualTo(StackContents.EMPTY);
        }
    }
}
