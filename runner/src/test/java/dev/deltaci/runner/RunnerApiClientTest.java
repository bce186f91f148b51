package dev.deltaci.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.deltaci.api.HeartbeatReply;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's side of runner identity: register once, send the credential, renew it before it expires. */
class RunnerApiClientTest {

    private HttpServer api;
    private final AtomicInteger registrations = new AtomicInteger();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile long ttlMs = 60_000;
    private volatile boolean rejectNextCall;
    private final AtomicInteger renewals = new AtomicInteger();
    private final AtomicInteger credentials = new AtomicInteger();
    private final List<String> bodies = new CopyOnWriteArrayList<>();

    /** What the control plane answers a registration or renewal: a new credential, the id it gave the runner. */
    private String credential() {
        return "{\"outcome\":\"registered\",\"credential\":\"cred-" + credentials.incrementAndGet() + "\",\"runnerId\":\"r1-0123456789ab\","
                + "\"ttlMs\":" + ttlMs + ",\"expiresAtEpochMs\":" + (System.currentTimeMillis() + ttlMs) + "}";
    }

    @BeforeEach
    void start() throws Exception {
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/runner/", exchange -> {
            String action = exchange.getRequestURI().getPath().substring("/runner/".length());
            String body;
            int status = 200;
            if (action.equals("register")) {
                String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                if (!request.contains("\"registrationToken\":\"good\"")) {
                    status = 401;
                    body = "{\"error\":\"unknown registration token\"}";
                } else {
                    registrations.incrementAndGet();
                    body = credential();
                }
            } else if (action.equals("renew")) {
                renewals.incrementAndGet();
                body = credential();
            } else {
                bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                authorizations.add(exchange.getRequestHeaders().getFirst("authorization"));
                if (rejectNextCall) {
                    rejectNextCall = false;
                    status = 401;
                    body = "{\"error\":\"runner credential expired; register again\"}";
                } else {
                    body = "{\"outcome\":\"renewed\",\"leaseExpiresAtEpochMs\":1}";
                }
            }
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        api.start();
    }

    @AfterEach
    void stop() {
        api.stop(0);
    }

    /** The client's monotonic clock, moved by the tests instead of sleeping (a loaded machine must not change the outcome). */
    private final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);

    private RunnerApiClient client(String token) {
        return new RunnerApiClient(java.net.http.HttpClient.newHttpClient(),
                URI.create("http://127.0.0.1:" + api.getAddress().getPort()), "r1", List.of(),
                RunnerApiClient.RegistrationToken.of(token), nanos::get);
    }

    @Test
    void calls_shouldCarryTheCredential_andRenewItWhenFourFifthsOfItsLifeHavePassed() throws Exception {
        ttlMs = 500;
        RunnerApiClient client = client("good");

        client.heartbeat("run", "job", 1);
        nanos.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(350)); // not yet four fifths of 500 ms
        client.heartbeat("run", "job", 1);
        nanos.addAndGet(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100));
        client.heartbeat("run", "job", 1);

        assertThat(registrations.get()).as("the registration token is used once").isEqualTo(1);
        assertThat(renewals.get()).isEqualTo(1);
        assertThat(authorizations).containsExactly("Bearer cred-1", "Bearer cred-1", "Bearer cred-2");
    }

    @Test
    void aCallAnswered401_shouldRenewTheCredentialAndTryOnceMore() throws Exception {
        RunnerApiClient client = client("good");
        client.register();
        rejectNextCall = true;

        HeartbeatReply reply = client.heartbeat("run", "job", 1);

        assertThat(reply).isInstanceOf(HeartbeatReply.Renewed.class);
        assertThat(authorizations).containsExactly("Bearer cred-1", "Bearer cred-2");
    }

    @Test
    void calls_shouldNameTheIdTheControlPlaneGave_notTheNameAskedFor() throws Exception {
        RunnerApiClient client = client("good");

        client.heartbeat("run", "job", 1);

        assertThat(client.runnerId()).isEqualTo("r1-0123456789ab");
        assertThat(bodies).singleElement().asString().contains("\"runnerId\":\"r1-0123456789ab\"");
    }

    @Test
    void aTokenReadOnce_shouldBeForgottenAfterTheExchange_notBeforeIt() throws Exception {
        api.stop(0);
        RunnerApiClient.RegistrationToken token = RunnerApiClient.RegistrationToken.once("good");
        RunnerApiClient down = new RunnerApiClient(URI.create("http://127.0.0.1:" + api.getAddress().getPort()), "r1",
                List.of(), token);
        assertThatThrownBy(down::register).isInstanceOf(java.io.IOException.class);
        assertThat(token.read()).as("a failed exchange keeps the token for the next try").contains("good");
        start();
        RunnerApiClient up = new RunnerApiClient(URI.create("http://127.0.0.1:" + api.getAddress().getPort()), "r1",
                List.of(), token);

        up.register();

        assertThat(token.read()).as("gone after the exchange").isEmpty();
    }

    @Test
    void aRefusedRegistration_shouldSaySoAndNotBeRetriedAsIfTransient() {
        assertThatThrownBy(() -> client("bad").register())
                .isInstanceOf(RunnerApiClient.RegistrationRefusedException.class)
                .hasMessage("registration refused (401): unknown registration token");
    }
}
