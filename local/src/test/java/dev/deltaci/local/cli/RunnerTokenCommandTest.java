package dev.deltaci.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.functions.security.RunnerAuth;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RunnerTokenCommandTest {

    @Test
    void aNewConfig_shouldAcceptItsTokenForItsPoolAndLabels_andNothingElse() throws Exception {
        StringWriter out = new StringWriter();
        int exit = new CommandLine(new DeltaCli()).setOut(new PrintWriter(out, true))
                .execute("runner-token", "--pool", "gpu", "--labels", "gpu,linux", "--new-config", "--json");
        JsonNode printed = new ObjectMapper().readTree(out.toString());

        assertThat(exit).isZero();
        RunnerAuth auth = RunnerAuth.of(printed.get("config").toString(), Duration.ofHours(1), Clock.systemUTC());
        String token = printed.get("token").asText();
        assertThat(auth.registrationFor(token)).hasValueSatisfying(r -> {
            assertThat(r.pool()).isEqualTo("gpu");
            assertThat(r.labels()).containsExactly("gpu", "linux");
        });
        assertThat(auth.registrationFor(token + "x")).isEmpty();
        assertThat(printed.get("config").toString()).as("the token is stored only as its hash").doesNotContain(token)
                .contains(RunnerAuth.tokenHash(token));
    }

    @Test
    void anInvalidLabel_shouldExit2() {
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new DeltaCli()).setErr(new PrintWriter(err, true))
                .execute("runner-token", "--labels", "has space");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("'has space' is not a label");
    }

    @Test
    void anApiKey_shouldBeAcceptedByItsEntry_forItsRepositoriesOnly() throws Exception {
        StringWriter out = new StringWriter();
        int exit = new CommandLine(new DeltaCli()).setOut(new PrintWriter(out, true))
                .execute("api-key", "--name", "deploy bot", "--repositories", "octo/*,acme/site", "--json");
        JsonNode printed = new ObjectMapper().readTree(out.toString());

        assertThat(exit).isZero();
        dev.deltaci.functions.security.ApiKeys keys = dev.deltaci.functions.security.ApiKeys.of(
                "{\"keys\": [" + printed.get("entry") + "]}");
        var check = keys.check("Bearer " + printed.get("key").asText());
        assertThat(check.ok()).isTrue();
        assertThat(check.key().name()).isEqualTo("deploy bot");
        assertThat(check.key().allows("octo/hello")).isTrue();
        assertThat(check.key().allows("acme/site")).isTrue();
        assertThat(check.key().allows("acme/other")).isFalse();
        assertThat(printed.get("entry").toString()).doesNotContain(printed.get("key").asText());
    }
}
