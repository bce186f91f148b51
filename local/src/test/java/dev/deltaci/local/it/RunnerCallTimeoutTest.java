package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.store.AttemptRecord;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.support.PlaneTest;
import dev.deltaci.runner.RunnerAgent;
import dev.deltaci.runner.RunnerApiClient;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Runner calls that the control plane applied but whose answer never reached the runner: the
 * fault is on the runner's side of the HTTP call (the request goes out, the runner sees a timeout).
 */
class RunnerCallTimeoutTest extends PlaneTest {

    @Test
    void aLeaseAndACompletionThatTimedOutAfterBeingApplied_shouldBeRetriedAndRecognised_notLostAsRunnerLost()
            throws Exception {
        String runId = pushRun("jobs:\n  build:\n    steps: [{run: echo built}]\n");
        LosesFirstAnswer http = new LosesFirstAnswer(HttpClient.newHttpClient(), Set.of("/runner/lease", "/runner/complete"));
        RunnerApiClient api = new RunnerApiClient(http, plane.apiUrl(), "flaky-network", List.of(),
                RunnerApiClient.RegistrationToken.of(plane.registrationToken()));
        try (SqsClient sqs = stack.endpoints().sqsClient()) {
            // a message given back comes again only after 30 s: longer than the lease lives, so only a
            // retry of the call itself can save the job from runner_lost
            RunnerAgent agent = new RunnerAgent(sqs, plane.queueUrl(), api, Files.createTempDirectory("delta-timeout-"),
                    1, 30, 1000, 200, Duration.ofMinutes(1));
            Thread loop = new Thread(() -> agent.runLoop(1), "runner");
            loop.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> store.getRun(runId).orElseThrow().status().isTerminal());
            loop.join(10_000);
        }

        assertThat(http.lost).as("both answers were lost once").containsExactlyInAnyOrder("/runner/lease", "/runner/complete");
        assertThat(store.getRun(runId).orElseThrow().status()).isEqualTo(RunState.SUCCEEDED);
        JobRecord build = store.getJob(runId, "build").orElseThrow();
        assertThat(build.attempts().history()).extracting(AttemptRecord::attempt, AttemptRecord::result)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, "SUCCEEDED"));
        assertThat(build.attempts().infraRetries()).isZero();
    }

    /** Sends each request for real; for the first request to each of these paths, drops the answer. */
    private static final class LosesFirstAnswer extends HttpClient {
        private final HttpClient delegate;
        private final Set<String> paths;
        final Set<String> lost = ConcurrentHashMap.newKeySet();

        LosesFirstAnswer(HttpClient delegate, Set<String> paths) {
            this.delegate = delegate;
            this.paths = paths;
        }

        @Override
        public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
                throws IOException, InterruptedException {
            HttpResponse<T> response = delegate.send(request, handler);
            String path = request.uri().getPath();
            if (paths.contains(path) && lost.add(path)) {
                throw new HttpTimeoutException("injected: request timed out after the control plane applied it");
            }
            return response;
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
            return delegate.sendAsync(request, handler);
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                                HttpResponse.PushPromiseHandler<T> push) {
            return delegate.sendAsync(request, handler, push);
        }

        @Override
        public Optional<CookieHandler> cookieHandler() {
            return delegate.cookieHandler();
        }

        @Override
        public Optional<Duration> connectTimeout() {
            return delegate.connectTimeout();
        }

        @Override
        public Redirect followRedirects() {
            return delegate.followRedirects();
        }

        @Override
        public Optional<ProxySelector> proxy() {
            return delegate.proxy();
        }

        @Override
        public SSLContext sslContext() {
            return delegate.sslContext();
        }

        @Override
        public SSLParameters sslParameters() {
            return delegate.sslParameters();
        }

        @Override
        public Optional<Authenticator> authenticator() {
            return delegate.authenticator();
        }

        @Override
        public Version version() {
            return delegate.version();
        }

        @Override
        public Optional<Executor> executor() {
            return delegate.executor();
        }
    }
}
