package dev.deltaci.local.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.deltaci.api.AwsIdentityProof;
import dev.deltaci.functions.security.AwsInstanceIdentity;
import dev.deltaci.runner.AwsIdentitySigner;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;

/**
 * The runner's proof and the runner API's forwarding of it, against an STS double that checks
 * what STS checks: it signs the request it received again, with the caller's secret key, and
 * answers only if the signatures agree (moto does not check signatures). A header the runner
 * signed and the runner API did not pass on, or a changed byte, and STS refuses.
 */
class StsSignatureTest {

    private static final AwsSessionCredentials INSTANCE = AwsSessionCredentials.create("ASIAEXAMPLE",
            "secret-key-of-the-instance-role", "session-token");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final Pattern SIGNATURE = Pattern.compile("SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]+)");

    private HttpServer sts;
    private URI endpoint;
    private volatile Map<String, String> lastSeenHeaders = Map.of();

    @BeforeEach
    void startSts() throws IOException {
        sts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        sts.createContext("/", this::answer);
        sts.start();
        endpoint = URI.create("http://127.0.0.1:" + sts.getAddress().getPort() + "/");
    }

    @AfterEach
    void stopSts() {
        sts.stop(0);
    }

    private void answer(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
        lastSeenHeaders = headers;
        boolean valid = signatureHolds(headers, body);
        byte[] answer = (valid
                ? "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/"
                + "delta-runner-role/i-0123456789abcdef0</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>"
                : "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>")
                .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(valid ? 200 : 403, answer.length);
        exchange.getResponseBody().write(answer);
        exchange.close();
    }

    /** What STS does: the same request, signed again with the caller's key at the caller's time, gives the same signature. */
    private boolean signatureHolds(Map<String, String> headers, String body) {
        Matcher claimed = SIGNATURE.matcher(headers.getOrDefault("authorization", ""));
        if (!claimed.find()) {
            return false;
        }
        SdkHttpFullRequest.Builder request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(endpoint);
        for (String name : claimed.group(1).split(";")) {
            if (!List.of("host", "x-amz-date", "authorization").contains(name)) {
                if (!headers.containsKey(name)) {
                    return false;
                }
                request.putHeader(name, headers.get(name));
            }
        }
        Instant signedAt = LocalDateTime.parse(headers.get("x-amz-date"), AMZ_DATE).toInstant(ZoneOffset.UTC);
        // the caller's secret key, with the session token it presented (a real STS looks the session up by it)
        AwsSessionCredentials presented = AwsSessionCredentials.create(INSTANCE.accessKeyId(), INSTANCE.secretAccessKey(),
                headers.getOrDefault("x-amz-security-token", ""));
        String again = AwsV4HttpSigner.create().sign(r -> r.identity(presented).request(request.build())
                        .payload(ContentStreamProvider.fromUtf8String(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sts")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElse("");
        Matcher recomputed = SIGNATURE.matcher(again);
        return recomputed.find() && recomputed.group(2).equals(claimed.group(2));
    }

    private AwsIdentityProof proof() {
        return new AwsIdentitySigner(StaticCredentialsProvider.create(INSTANCE), "us-east-1", endpoint, "delta-ci").get();
    }

    @Test
    void theProofAsTheRunnerSignsIt_shouldBeAcceptedBySts_asTheRunnerApiPassesItOn() throws Exception {
        AwsInstanceIdentity.Verified who = new AwsInstanceIdentity(endpoint, "delta-ci", Clock.systemUTC()).verify(proof());

        assertThat(who).isEqualTo(new AwsInstanceIdentity.Verified("123456789012", "delta-runner-role", "i-0123456789abcdef0"));
        assertThat(lastSeenHeaders).as("every signed header reached STS")
                .containsKeys("x-amz-content-sha256", "x-amz-security-token", "x-delta-audience", "content-type");
    }

    @Test
    void aProofChangedOnTheWay_shouldBeRefusedBySts() {
        AwsIdentityProof signed = proof();
        Map<String, String> headers = new HashMap<>(signed.headers());
        headers.put("X-Amz-Security-Token", "someone-elses-session");
        AwsIdentityProof changed = new AwsIdentityProof(headers, signed.body());

        assertThatThrownBy(() -> new AwsInstanceIdentity(endpoint, "delta-ci", Clock.systemUTC()).verify(changed))
                .isInstanceOf(AwsInstanceIdentity.Refused.class).hasMessageContaining("STS refused");
    }

    @Test
    void aProofThatSignsAHeaderItDoesNotCarry_orOneThatCannotBePassedOn_shouldBeRefused() {
        AwsIdentityProof signed = proof();
        Map<String, String> missing = new HashMap<>(signed.headers());
        missing.remove("x-amz-content-sha256");
        Map<String, String> connection = new HashMap<>(signed.headers());
        connection.put("Authorization", signed.headers().get("Authorization").replace("SignedHeaders=", "SignedHeaders=connection;"));
        connection.put("Connection", "close");
        AwsInstanceIdentity identity = new AwsInstanceIdentity(endpoint, "delta-ci", Clock.systemUTC());

        assertThatThrownBy(() -> identity.verify(new AwsIdentityProof(missing, signed.body())))
                .hasMessageContaining("does not carry it");
        assertThatThrownBy(() -> identity.verify(new AwsIdentityProof(connection, signed.body())))
                .isInstanceOf(AwsInstanceIdentity.Refused.class).hasMessageContaining("cannot be passed on");
    }

    @Test
    void aProofTooOld_shouldBeRefused_beforeStsIsAsked() {
        AwsIdentityProof signed = proof();
        lastSeenHeaders = Map.of();
        Clock later = Clock.offset(Clock.systemUTC(), AwsInstanceIdentity.MAX_AGE.plusMinutes(1));

        assertThatThrownBy(() -> new AwsInstanceIdentity(endpoint, "delta-ci", later).verify(signed))
                .hasMessageContaining("more than 15 minutes");
        assertThat(lastSeenHeaders).as("STS not asked").isEmpty();
    }
}
