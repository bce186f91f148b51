package dev.deltaci.functions.github;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;

/** RSA key pairs for the tests' GitHub Apps, made once per test JVM (2048-bit keys take a while). */
public final class TestKeys {

    private static final KeyPair APP = generate();
    private static final KeyPair OTHER = generate();

    private TestKeys() {
    }

    /** The App's key: the GitHub double verifies JWTs with its public half. */
    public static KeyPair app() {
        return APP;
    }

    /** A key that is not the App's. */
    public static KeyPair other() {
        return OTHER;
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
