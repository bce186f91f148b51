package dev.deltaci.functions.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Runner identity. A runner registers with a registration token (scoped to a pool, and
 * optionally to the labels it may claim) and receives its own credential: a short-lived bearer
 * token naming the runner, its pool and labels, signed by the control plane (HMAC-SHA256), so
 * every later call is checked without a database read. Runners renew it before it expires.
 *
 * <p>Configuration, one JSON document: {@code {"signingKey": "<hex>", "registrationTokens":
 * [{"sha256": "<hex of the token>", "pool": "gpu", "labels": ["gpu", "linux"]}]}} — tokens are
 * stored only as hashes. From Secrets Manager in the cloud ({@code RUNNER_AUTH_SECRET_ARN}, through
 * Powertools Parameters, re-read every five minutes so a new token or key takes effect), from
 * {@code RUNNER_AUTH_FILE} or {@code RUNNER_AUTH} locally.
 */
public final class RunnerAuth {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VERSION = "dr1";
    private static final String ATTEMPT_VERSION = "da1";
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);

    /** A registration token's scope; {@code labels} null means any labels. */
    public record Registration(byte[] tokenSha256, String pool, List<String> labels) {
    }

    /**
     * What a verified credential says. {@code instanceId} is the autoscaled instance the runner
     * runs on (null for a runner the scaler does not manage); {@code ephemeral}, that the
     * instance runs one job only.
     */
    public record Credential(String runnerId, String pool, List<String> labels, long expiresAtEpochMs,
                             String instanceId, boolean ephemeral) {

        public boolean managed() {
            return instanceId != null;
        }
    }

    /** The outcome of checking a request's credential: the credential, or the HTTP status and why not. */
    public record Check(Credential credential, int status, String reason) {
        public boolean ok() {
            return credential != null;
        }
    }

    private record Config(byte[] signingKey, List<Registration> registrations) {
    }

    private final Supplier<Config> source;
    private final Duration ttl;
    private final Clock clock;

    private RunnerAuth(Supplier<Config> source, Duration ttl, Clock clock) {
        this.source = source;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** From a configuration document (see the class comment). */
    public static RunnerAuth of(String json, Duration ttl, Clock clock) {
        Config parsed = parse(json);
        return new RunnerAuth(() -> parsed, ttl, clock);
    }

    public static RunnerAuth fromEnvironment(Map<String, String> env, Clock clock) {
        Duration ttl = Duration.ofSeconds(Long.parseLong(env.getOrDefault("RUNNER_CREDENTIAL_TTL_SECONDS",
                String.valueOf(DEFAULT_TTL.toSeconds()))));
        SecretText text = SecretText.fromEnvironment(env, "RUNNER_AUTH_SECRET_ARN", "RUNNER_AUTH_FILE", "RUNNER_AUTH");
        return new RunnerAuth(new ParsedOnChange<>(text, RunnerAuth::parse), ttl, clock);
    }

    /** The SHA-256 of a registration token, as the configuration stores it. */
    public static String tokenHash(String token) {
        return HashedTokens.hex(token);
    }

    public Duration ttl() {
        return ttl;
    }

    /** The registration a token grants, compared in constant time against every configured hash. */
    public Optional<Registration> registrationFor(String token) {
        return HashedTokens.lookup(token, config().registrations(), Registration::tokenSha256);
    }

    /** A credential for a registered runner, valid for {@link #ttl()}. */
    public Credential issue(String runnerId, String pool, List<String> labels) {
        return issue(runnerId, pool, labels, null, false);
    }

    /** A credential for a runner on an autoscaled instance: its leases start with a claim on the instance. */
    public Credential issue(String runnerId, String pool, List<String> labels, String instanceId, boolean ephemeral) {
        return new Credential(runnerId, pool, List.copyOf(labels), clock.millis() + ttl.toMillis(), instanceId, ephemeral);
    }

    public String encode(Credential credential) {
        try {
            Map<String, Object> claims = new java.util.LinkedHashMap<>(Map.of(
                    "runnerId", credential.runnerId(), "pool", credential.pool(), "labels", credential.labels(),
                    "exp", credential.expiresAtEpochMs()));
            if (credential.managed()) {
                claims.put("instance", credential.instanceId());
                claims.put("ephemeral", credential.ephemeral());
            }
            String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(claims));
            return VERSION + "." + payload + "." + sign(VERSION + "." + payload);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks an {@code Authorization: Bearer …} header: 401 when missing, forged or expired. */
    public Check check(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return new Check(null, 401, "missing runner credential: register with POST /runner/register and send "
                    + "Authorization: Bearer <credential>");
        }
        String[] parts = authorization.substring("Bearer ".length()).strip().split("\\.");
        if (parts.length != 3 || !parts[0].equals(VERSION)) {
            return new Check(null, 401, "malformed runner credential");
        }
        byte[] expected = sign(parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, parts[2].getBytes(StandardCharsets.US_ASCII))) {
            return new Check(null, 401, "runner credential signature does not match");
        }
        try {
            JsonNode payload = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            List<String> labels = new ArrayList<>();
            payload.path("labels").forEach(l -> labels.add(l.asText()));
            Credential credential = new Credential(payload.path("runnerId").asText(), payload.path("pool").asText(),
                    labels, payload.path("exp").asLong(), payload.hasNonNull("instance") ? payload.get("instance").asText()
                    : null, payload.path("ephemeral").asBoolean(false));
            if (credential.expiresAtEpochMs() <= clock.millis()) {
                return new Check(null, 401, "runner credential expired; register again");
            }
            return new Check(credential, 200, null);
        } catch (IOException | IllegalArgumentException e) {
            return new Check(null, 401, "malformed runner credential");
        }
    }

    /**
     * A token that lets one attempt's runner send its log without the lease being read for every
     * chunk: signed over runner, run, job and epoch, good until the lease's expiry, renewed with
     * each heartbeat. Log keys are per epoch, so the worst a token outliving its lease can do is
     * add to the log of the attempt it was issued for, never to a later attempt's.
     */
    public String attemptToken(String runnerId, String runId, String jobKey, long epoch, long expiresAtEpochMs) {
        return ATTEMPT_VERSION + "." + expiresAtEpochMs + "."
                + sign(attemptClaims(runnerId, runId, jobKey, epoch, expiresAtEpochMs));
    }

    /** Whether an {@link #attemptToken} is this control plane's, for this attempt, and not yet expired. */
    public boolean attemptTokenValid(String token, String runnerId, String runId, String jobKey, long epoch) {
        if (token == null) {
            return false;
        }
        String[] parts = token.split("\\.");
        if (parts.length != 3 || !parts[0].equals(ATTEMPT_VERSION)) {
            return false;
        }
        long expires;
        try {
            expires = Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            return false;
        }
        byte[] expected = sign(attemptClaims(runnerId, runId, jobKey, epoch, expires)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, parts[2].getBytes(StandardCharsets.US_ASCII)) && expires > clock.millis();
    }

    /** What an attempt token signs; a separator no id may hold keeps fields from running into each other. */
    private static String attemptClaims(String runnerId, String runId, String jobKey, long epoch, long expiresAtEpochMs) {
        return ATTEMPT_VERSION + "\n" + runnerId + "\n" + runId + "\n" + jobKey + "\n" + epoch + "\n" + expiresAtEpochMs;
    }

    private String sign(String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(config().signingKey(), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private Config config() {
        return source.get();
    }

    private static Config parse(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            byte[] key = HexFormat.of().parseHex(root.path("signingKey").asText(""));
            if (key.length < 32) {
                throw new IllegalStateException("runner auth: 'signingKey' must be at least 32 bytes, hex-encoded");
            }
            List<Registration> registrations = new ArrayList<>();
            for (JsonNode token : root.path("registrationTokens")) {
                List<String> labels = null;
                if (token.has("labels") && !token.get("labels").isNull()) {
                    labels = new ArrayList<>();
                    for (JsonNode label : token.get("labels")) {
                        labels.add(label.asText());
                    }
                }
                registrations.add(new Registration(HexFormat.of().parseHex(token.path("sha256").asText()),
                        token.path("pool").asText("default"), labels));
            }
            if (registrations.isEmpty()) {
                throw new IllegalStateException("runner auth: no 'registrationTokens'");
            }
            return new Config(key, registrations);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("runner auth configuration is not valid: " + e.getMessage(), e);
        }
    }

}
