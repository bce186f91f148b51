package dev.deltaci.functions.github;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.function.Supplier;

/**
 * The JWT a GitHub App authenticates as itself with (RS256): issued 60 s in the past, so a
 * GitHub clock a little behind ours still accepts it, and valid for 9 minutes (GitHub refuses
 * more than 10). Used only to ask for installation tokens and to read the App's deliveries.
 */
public final class AppJwt {

    static final Duration BACKDATE = Duration.ofSeconds(60);
    static final Duration LIFETIME = Duration.ofMinutes(9);

    private final Supplier<GitHubAppSecret> app;
    private final Clock clock;

    public AppJwt(GitHubAppSecret app, Clock clock) {
        this(() -> app, clock);
    }

    /** @param app the App's current secret (a rotated key is used from the next token on) */
    public AppJwt(Supplier<GitHubAppSecret> app, Clock clock) {
        this.app = app;
        this.clock = clock;
    }

    public long appId() {
        return app.get().appId();
    }

    /** A fresh token (they are cheap to sign; GitHub rejects one past its {@code exp}). */
    public String sign() {
        GitHubAppSecret secret = app.get();
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(Long.toString(secret.appId()))
                .issueTime(Date.from(now.minus(BACKDATE)))
                .expirationTime(Date.from(now.plus(LIFETIME)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        try {
            jwt.sign(new RSASSASigner(secret.privateKey()));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign the GitHub App JWT: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }
}
