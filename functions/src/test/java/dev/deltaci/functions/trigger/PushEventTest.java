package dev.deltaci.functions.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PushEventTest {

    private static final String SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

    private static PushEvent parse(String json) throws PushEvent.MalformedEventException {
        return PushEvent.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parse_shouldReadGitHubsPushShape() throws Exception {
        PushEvent push = parse("""
                {"ref":"refs/heads/main","before":"0000000000000000000000000000000000000000","after":"%s",
                 "created":true,"deleted":false,"forced":false,
                 "repository":{"id":1,"name":"hello","full_name":"octo/hello",
                               "clone_url":"https://github.com/octo/hello.git"},
                 "pusher":{"name":"octo"},"head_commit":{"id":"%s"}}
                """.formatted(SHA, SHA));

        assertThat(push.ref()).isEqualTo("refs/heads/main");
        assertThat(push.branch()).isEqualTo("main");
        assertThat(push.after()).isEqualTo(SHA);
        assertThat(push.repository()).isEqualTo("octo/hello");
        assertThat(push.cloneUrl()).isEqualTo("https://github.com/octo/hello.git");
        assertThat(push.deleted()).isFalse();
    }

    @Test
    void parse_shouldRecogniseBranchDeletion() throws Exception {
        PushEvent push = parse("""
                {"ref":"refs/heads/gone","after":"0000000000000000000000000000000000000000","deleted":true,
                 "repository":{"full_name":"octo/hello","clone_url":"https://github.com/octo/hello.git"}}
                """);

        assertThat(push.deleted()).isTrue();
    }

    @Test
    void parse_shouldNameTheProblem_whenBodyIsMalformed() {
        assertThatThrownBy(() -> parse("{not json")).hasMessageStartingWith("body is not valid JSON");
        assertThatThrownBy(() -> parse("[]")).hasMessage("body must be a JSON object");
        assertThatThrownBy(() -> parse("{\"after\":\"" + SHA + "\"}")).hasMessage("missing string 'ref'");
        assertThatThrownBy(() -> parse("{\"ref\":\"refs/heads/x\",\"after\":\"" + SHA + "\"}"))
                .hasMessage("missing object 'repository'");
        assertThatThrownBy(() -> parse("""
                {"ref":"refs/heads/x","after":"HEAD","repository":{"full_name":"a/b","clone_url":"/tmp/x"}}
                """)).hasMessage("'after' must be a 40-character hex commit sha, found 'HEAD'");
    }
}
