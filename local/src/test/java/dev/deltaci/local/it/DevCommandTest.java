package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.local.DeltaHome;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.support.Fixtures;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code delta dev} as a user runs it: its own process, a run through its webhook, /health,
 * /metrics and {@code delta status} against it, a clean stop on SIGTERM, and a restart that
 * keeps its credentials and its table.
 */
class DevCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private Process dev;
    private Path data;

    @AfterEach
    void stop() throws Exception {
        if (dev != null && dev.isAlive()) {
            dev.destroyForcibly();
            dev.waitFor(10, TimeUnit.SECONDS);
        }
        Fixtures.deleteTree(data);
    }

    @Test
    void dev_shouldServeRunsMetricsAndHealth_stopCleanly_andKeepItsStateAcrossARestart() throws Exception {
        data = Files.createTempDirectory("delta-dev-test-");
        start();
        JsonNode state = JSON.readTree(data.resolve("dev.json").toFile());
        URI api = URI.create(state.get("apiUrl").asText());

        assertThat(java.nio.file.Files.getPosixFilePermissions(data.resolve("dev.json")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(java.nio.file.Files.getPosixFilePermissions(data))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        // the step fails the run if it finds the credentials or the stack's files by walking up from its workspace
        String hunt = "for up in .. ../.. ../../.. ../../../.. ../../../../..; do"
                + " for f in dev.json stack; do [ ! -e \"$DELTA_WORKSPACE/$up/$f\" ] || exit 7; done; done; echo hi";
        try (LocalRepository repo = Fixtures.repoWithPipeline("jobs:\n  only:\n    steps:\n      - run: '" + hunt + "'\n")) {
            byte[] payload = GitHubPush.payload(repo);
            GitHubPush.Delivery delivery = GitHubPush.send(api, state.get("webhookSecret").asText(), payload);
            assertThat(delivery.status()).as(delivery.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                    get(api, "/metrics").body().contains("delta_run_duration_milliseconds_count{result=\"succeeded\"} 1"));
            HttpResponse<String> health = get(api, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");
            var status = CliRunTestSupport.delta("status", "--data", data.toString(), "--json");
            assertThat(status.exitCode()).as(status.stdout() + status.stderr()).isZero();

            dev.destroy(); // SIGTERM, as Ctrl-C
            assertThat(dev.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(JSON.readTree(data.resolve("dev.json").toFile()).get("apiUrl").isNull()).isTrue();
            assertThat(CliRunTestSupport.delta("status", "--data", data.toString()).exitCode()).isEqualTo(2);

            start();
            JsonNode again = JSON.readTree(data.resolve("dev.json").toFile());
            assertThat(again.get("apiKey").asText()).isEqualTo(state.get("apiKey").asText());
            // the same delivery again finds its run in the kept table
            GitHubPush.Delivery redelivery = GitHubPush.send(URI.create(again.get("apiUrl").asText()),
                    again.get("webhookSecret").asText(), payload, delivery.deliveryId());
            assertThat(redelivery.status()).as(redelivery.body()).isEqualTo(200);
            assertThat(redelivery.body()).contains("duplicate");
        }
    }

    @Test
    void aGitHubAppFileThatIsNotOne_shouldStopDevBeforeItStarts_sayingWhatIsWrong() throws Exception {
        Path app = Files.createTempFile("github-app-", ".json");
        Files.writeString(app, "{\"appId\": 12, \"privateKey\": \"not a key\", \"webhookSecret\": \"s\"}");
        Path data = Files.createTempDirectory("delta-dev-app-");

        var bad = CliRunTestSupport.delta("dev", "--data", data.toString(), "--github-app", app.toString());
        var orphanUrl = CliRunTestSupport.delta("dev", "--data", data.toString(), "--github-api-url", "https://ghe.example/api/v3");

        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).contains("--github-app").contains("'privateKey' is not a PEM RSA private key")
                .doesNotContain("not a key");
        assertThat(orphanUrl.exitCode()).isEqualTo(2);
        assertThat(orphanUrl.stderr()).contains("--github-api-url goes with --github-app");
        assertThat(Files.list(data).count()).as("nothing started, nothing written").isZero();
    }

    private void start() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        dev = new ProcessBuilder(List.of(java, "-Xmx384m", "-Ddelta.home=" + DeltaHome.locate(),
                "-cp", System.getProperty("java.class.path"), "dev.deltaci.local.cli.DeltaCli",
                "dev", "--port", "0", "--data", data.toString(), "--runners", "1"))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(dev.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (line.contains("Delta CI dev is up")) {
                break;
            }
        }
        assertThat(seen.toString()).contains("Delta CI dev is up");
        Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "dev-output");
        drain.setDaemon(true);
        drain.start();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                !JSON.readTree(data.resolve("dev.json").toFile()).get("apiUrl").isNull());
    }

    private HttpResponse<String> get(URI api, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(api.resolve(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
