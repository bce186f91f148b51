package dev.deltaci.functions.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Bearer tokens kept only as SHA-256 hashes (registration tokens, API keys): how a token is
 * hashed for the configuration, and how a presented one is looked up — against every entry, in
 * constant time, so timing tells nothing about which entry came close.
 */
public final class HashedTokens {

    private static final SecureRandom RANDOM = new SecureRandom();

    private HashedTokens() {
    }

    /** A new secret of {@code bytes} random bytes (SecureRandom), in hex: tokens, keys, webhook secrets. */
    public static String newSecret(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** The hex SHA-256 of a token, as configurations store it. */
    public static String hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    /** The entry whose stored hash is the presented token's, if any. */
    public static <T> Optional<T> lookup(String presented, List<T> entries, Function<T, byte[]> storedHash) {
        byte[] hash = sha256(presented);
        T found = null;
        for (T entry : entries) {
            if (MessageDigest.isEqual(hash, storedHash.apply(entry)) && found == null) {
                found = entry;
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
