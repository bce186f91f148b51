package dev.deltaci.functions.github;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.matching.MatchResult;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A GitHub API double that checks what GitHub checks of an App: installation tokens are issued
 * only for a JWT signed with the App's key (RS256), issued for the App's id, valid now and for
 * at most ten minutes; anything else is answered 401 as GitHub does.
 */
final class GitHubDouble implements AutoCloseable {

    final WireMockServer server = new WireMockServer(options().dynamicPort());
    private final long appId;
    private final RSAPublicKey appKey;
    private final Clock clock;

    GitHubDouble(long appId, RSAPublicKey appKey, Clock clock) {
        this.appId = appId;
        this.appKey = appKey;
        this.clock = clock;
        server.start();
        server.stubFor(post(urlPathMatching("/app/installations/[0-9]+/access_tokens")).atPriority(1)
                .andMatching(request -> MatchResult.of(validAppJwt(request.getHeader("Authorization"))))
                .willReturn(aResponse().withStatus(201).withHeader("content-type", "application/json")
                        .withBody("{\"token\":\"ghs_{{randomValue length=24 type='ALPHANUMERIC'}}\","
                                + "\"expires_at\":\"{{now offset='1 hours'}}\"}")
                        .withTransformers("response-template")));
        server.stubFor(post(urlPathMatching("/app/installations/[0-9]+/access_tokens")).atPriority(9)
                .willReturn(aResponse().withStatus(401).withHeader("content-type", "application/json")
                        .withBody("{\"message\":\"A JSON web token could not be decoded\"}")));
    }

    String baseUrl() {
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

    @Override
    public void close() {
        server.stop();
    }
}
