package dev.deltaci.functions.security;

import dev.deltaci.api.AwsIdentityProof;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks an instance's {@link AwsIdentityProof} by sending it to STS, as HashiCorp Vault's AWS
 * IAM auth does: STS verifies the signature and answers with who signed it. Before sending, the
 * proof must be a {@code GetCallerIdentity} and nothing else, signed for this control plane's
 * audience and recently; it is sent only to this control plane's own STS endpoint (never to a URL
 * the caller names), with only the headers STS needs.
 */
public final class AwsInstanceIdentity {

    /** STS accepts a signature for 15 minutes; so does this. */
    public static final Duration MAX_AGE = Duration.ofMinutes(15);
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT);
    /** Set by the HTTP client itself (from the URL and the body, which are the ones signed). */
    private static final List<String> SET_BY_THE_CLIENT = List.of("host", "content-length");
    private static final Pattern SIGNED_HEADERS = Pattern.compile("SignedHeaders=([a-z0-9;-]+)");
    /** An EC2 instance role's session: {@code assumed-role/<role>/<instance id>}. */
    private static final Pattern INSTANCE_ARN = Pattern.compile(
            "<Arn>arn:aws[a-z-]*:sts::(\\d{12}):assumed-role/([\\w+=,.@-]{1,64})/(i-[0-9a-f]{8,32})</Arn>");

    /** Who STS says signed the proof: the account, the instance role and the instance. */
    public record Verified(String account, String roleName, String instanceId) {
    }

    /** A proof that was not accepted, and the HTTP status to answer with. */
    public static final class Refused extends Exception {
        private final int status;

        Refused(int status, String reason) {
            super(reason);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private final URI stsEndpoint;
    private final String audience;
    private final Clock clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** @param stsEndpoint this control plane's STS (the region's); a proof is never sent anywhere else */
    public AwsInstanceIdentity(URI stsEndpoint, String audience, Clock clock) {
        this.stsEndpoint = stsEndpoint;
        this.audience = audience;
        this.clock = clock;
    }

    /** The header that identifies one proof (its signature): what makes each proof usable once. */
    public static String signatureOf(AwsIdentityProof proof) {
        return lowerCased(proof.headers()).getOrDefault("authorization", "");
    }

    public Verified verify(AwsIdentityProof proof) throws Refused {
        Map<String, String> headers = lowerCased(proof.headers());
        if (!AwsIdentityProof.BODY.equals(proof.body())) {
            throw new Refused(400, "an identity proof is a signed '" + AwsIdentityProof.BODY + "' and nothing else");
        }
        String authorization = headers.get("authorization");
        if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ")) {
            throw new Refused(401, "the identity proof is not signed (AWS4-HMAC-SHA256)");
        }
        Matcher signed = SIGNED_HEADERS.matcher(authorization);
        List<String> signedHeaders = signed.find() ? Arrays.asList(signed.group(1).split(";")) : List.of();
        if (!signedHeaders.contains("host") || !signedHeaders.contains("x-delta-audience")) {
            throw new Refused(401, "the identity proof must sign the host and the " + AwsIdentityProof.AUDIENCE_HEADER
                    + " header");
        }
        if (!audience.equals(headers.get("x-delta-audience"))) {
            throw new Refused(401, "the identity proof is for audience '" + headers.get("x-delta-audience")
                    + "', not this control plane's");
        }
        checkAge(headers.get("x-amz-date"));
        HttpRequest.Builder request = HttpRequest.newBuilder(stsEndpoint).timeout(Duration.ofSeconds(3))
                .POST(HttpRequest.BodyPublishers.ofString(proof.body()));
        // the signature and exactly the headers it covers: STS must see what was signed, and nothing else is passed on
        request.header("authorization", authorization);
        for (String name : signedHeaders) {
            if (SET_BY_THE_CLIENT.contains(name)) {
                continue;
            }
            String value = headers.get(name);
            if (value == null) {
                throw new Refused(401, "the identity proof signs header '" + name + "' but does not carry it");
            }
            try {
                request.header(name, value);
            } catch (IllegalArgumentException e) {
                throw new Refused(400, "the identity proof signs header '" + name + "', which cannot be passed on");
            }
        }
        HttpResponse<String> answer;
        try {
            answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Refused(503, "STS could not be asked who this is (" + e.getClass().getSimpleName() + "); try again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refused(503, "interrupted asking STS; try again");
        }
        if (answer.statusCode() >= 500) {
            throw new Refused(503, "STS answered " + answer.statusCode() + "; try again");
        }
        if (answer.statusCode() != 200) {
            throw new Refused(401, "STS refused the identity proof (" + answer.statusCode() + ")");
        }
        Matcher arn = INSTANCE_ARN.matcher(answer.body());
        if (!arn.find()) {
            throw new Refused(403, "the identity proof is not an EC2 instance role's");
        }
        return new Verified(arn.group(1), arn.group(2), arn.group(3));
    }

    private void checkAge(String amzDate) throws Refused {
        if (amzDate == null) {
            throw new Refused(401, "the identity proof has no X-Amz-Date");
        }
        try {
            long signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC).toEpochMilli();
            if (Math.abs(clock.millis() - signedAt) > MAX_AGE.toMillis()) {
                throw new Refused(401, "the identity proof was signed at " + amzDate + ", more than "
                        + MAX_AGE.toMinutes() + " minutes from now");
            }
        } catch (DateTimeParseException e) {
            throw new Refused(401, "the identity proof's X-Amz-Date is not a date");
        }
    }

    private static Map<String, String> lowerCased(Map<String, String> headers) {
        Map<String, String> lower = new TreeMap<>();
        headers.forEach((name, value) -> lower.put(name.toLowerCase(Locale.ROOT), value));
        return lower;
    }
}
