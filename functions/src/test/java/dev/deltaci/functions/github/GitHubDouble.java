package dev.deltaci.functions.github;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.matching.MatchResult;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A GitHub API double that checks what GitHub checks of an App: installation tokens are issued
 * only for a JWT signed with the App's key (RS256), issued for the App's id, valid now and for
 * at most ten minutes; repository calls need one of the installation tokens it issued. Anything
 * else is answered 401, as GitHub does.
 */
public final class GitHubDouble implements AutoCloseable {

    /** Installation tokens it issued: repository calls need one of them. */
    public final Set<String> issued = ConcurrentHashMap.newKeySet();
    public final WireMockServer server;
    /** The checks and statuses API, kept as GitHub keeps it: what the App reported. */
    public final ChecksApiDouble checks = new ChecksApiDouble();
    private final long appId;
    private final RSAPublicKey appKey;
    private final Clock clock;

    public GitHubDouble(long appId, RSAPublicKey appKey, Clock clock) {
        this.appId = appId;
        this.appKey = appKey;
        this.clock = clock;
        this.server = new WireMockServer(options().dynamicPort().extensions(new TokenIssuer(), checks));
        server.start();
        stubRepository(any(urlPathMatching("/repos/[^/]+/[^/]+/(check-runs(/[0-9]+)?|commits/[0-9a-f]+/check-runs|statuses/[0-9a-f]+)"))
                .willReturn(aResponse().withTransformers(ChecksApiDouble.NAME)));
        server.stubFor(post(urlPathMatching("/app/installations/[0-9]+/access_tokens")).atPriority(1)
                .andMatching(request -> MatchResult.of(validAppJwt(request.getHeader("Authorization"))))
                .willReturn(aResponse().withStatus(201).withHeader("content-type", "application/json")
                        .withTransformers(TokenIssuer.NAME)));
        // the App is installed on the octo organisation only; other repositories are not found, as on GitHub
        server.stubFor(get(urlPathMatching("/repos/[^/]+/[^/]+/installation")).atPriority(5)
                .willReturn(aResponse().withStatus(404).withHeader("content-type", "application/json")
                        .withBody("{\"message\":\"Not Found\"}")));
        server.stubFor(get(urlPathMatching("/repos/octo/[^/]+/installation")).atPriority(1)
                .andMatching(request -> MatchResult.of(validAppJwt(request.getHeader("Authorization"))))
                .willReturn(okJson("{\"id\": 42}")));
        server.stubFor(any(urlPathMatching("/(repos|app)/.*")).atPriority(9)
                .willReturn(aResponse().withStatus(401).withHeader("content-type", "application/json")
                        .withBody("{\"message\":\"Bad credentials\"}")));
        server.stubFor(post(urlPathMatching("/app/installations/[0-9]+/access_tokens")).atPriority(9)
                .willReturn(aResponse().withStatus(401).withHeader("content-type", "application/json")
                        .withBody("{\"message\":\"A JSON web token could not be decoded\"}")));
    }

    /** A repository call that answers only with a token this double issued (else the 401 above). */
    public void stubRepository(MappingBuilder call) {
        server.stubFor(call.atPriority(1).andMatching(request -> MatchResult.of(issued.contains(
                String.valueOf(request.getHeader("Authorization")).replaceFirst("^Bearer ", "")))));
    }

    /** An App call that answers only with a valid App JWT (else 401). */
    public void stubApp(MappingBuilder call) {
        server.stubFor(call.atPriority(1).andMatching(request -> MatchResult.of(validAppJwt(request.getHeader("Authorization")))));
    }

    public String baseUrl() {
        return server.baseUrl();
    }

    private boolean validAppJwt(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        try {
            SignedJWT jwt = SignedJWT.parse(authorization.substring("Bearer ".length()));
            Instant now = clock.instant();
            Instant issued = jwt.getJWTClaimsSet().getIssueTime().toInstant();
            Instant expires = jwt.getJWTClaimsSet().getExpirationTime().toInstant();
            return jwt.getHeader().getAlgorithm() == JWSAlgorithm.RS256 && jwt.verify(new RSASSAVerifier(appKey))
                    && Long.toString(appId).equals(jwt.getJWTClaimsSet().getIssuer())
                    && !issued.isAfter(now.plusSeconds(30)) && expires.isAfter(now)
                    && Duration.between(issued, expires).compareTo(Duration.ofMinutes(10)) <= 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** Issues a fresh installation token per request, valid an hour by the double's clock, and remembers it. */
    private final class TokenIssuer implements ResponseDefinitionTransformerV2 {
        static final String NAME = "token-issuer";
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public ResponseDefinition transform(ServeEvent serveEvent) {
            String token = "ghs_" + count.incrementAndGet() + "x" + Long.toHexString(System.nanoTime());
            issued.add(token);
            return ResponseDefinitionBuilder.like(serveEvent.getResponseDefinition()).but()
                    .withBody("{\"token\":\"" + token + "\",\"expires_at\":\"" + clock.instant().plus(Duration.ofHours(1))
                            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}").build();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }

    @Override
    public void close() {
        server.stop();
    }
}
