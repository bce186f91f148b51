package dev.deltaci.functions.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PullRequestEventTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] fixture() throws Exception {
        try (InputStream in = PullRequestEventTest.class.getResourceAsStream("/github/pull_request.opened.fork.json")) {
            return in.readAllBytes();
        }
    }

    @Test
    void parse_shouldReadGitHubsPullRequestShape_buildingTheForksHead() throws Exception {
        PullRequestEvent pr = PullRequestEvent.parse(fixture());

        assertThat(pr.action()).isEqualTo("opened");
        assertThat(pr.number()).isEqualTo(42);
        assertThat(pr.headSha()).isEqualTo("9f3c2e1d8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d");
        assertThat(pr.headRef()).isEqualTo("faster-parser");
        assertThat(pr.headCloneUrl()).as("the head commit lives in the fork").isEqualTo("https://github.com/contributor/hello.git");
        assertThat(pr.baseRef()).isEqualTo("main");
        assertThat(pr.baseSha()).isEqualTo("6113728f27ae82c7b1a177c8d03f9e96e0adf246");
        assertThat(pr.repository()).as("the run belongs to the base repository").isEqualTo("octo-org/hello");
        assertThat(pr.ref()).isEqualTo("refs/pull/42/head");
    }

    @Test
    void parse_shouldNameTheMissingOrMalformedField() throws Exception {
        ObjectNode noHeadRepo = (ObjectNode) JSON.readTree(fixture());
        ((ObjectNode) noHeadRepo.get("pull_request").get("head")).putNull("repo");
        assertThatThrownBy(() -> PullRequestEvent.parse(JSON.writeValueAsBytes(noHeadRepo)))
                .hasMessageContaining("'pull_request.head.repo' is missing");

        ObjectNode badSha = (ObjectNode) JSON.readTree(fixture());
        ((ObjectNode) badSha.get("pull_request").get("base")).put("sha", "main");
        assertThatThrownBy(() -> PullRequestEvent.parse(JSON.writeValueAsBytes(badSha)))
                .hasMessage("'pull_request.base.sha' must be a 40-character hex commit sha, found 'main'");

        ObjectNode noNumber = (ObjectNode) JSON.readTree(fixture());
        noNumber.remove("number");
        assertThatThrownBy(() -> PullRequestEvent.parse(JSON.writeValueAsBytes(noNumber)))
                .hasMessage("'number' must be the pull request's number");

        assertThatThrownBy(() -> PullRequestEvent.parse("[1]".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("body must be a JSON object");
    }
}
