package dev.deltaci.functions.github;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * What makes a deployment a GitHub App, in one Secrets Manager secret (or one file under
 * {@code delta dev}): {@code {"appId": N, "privateKey": "-----BEGIN RSA PRIVATE KEY-----…",
 * "webhookSecret": "…"}}. The private key is the PEM GitHub generates (PKCS#1), or PKCS#8.
 */
public record GitHubAppSecret(long appId, RSAPrivateKey privateKey, String webhookSecret) {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String toString() {
        return "GitHubAppSecret[appId=" + appId + ", privateKey=<hidden>, webhookSecret=<hidden>]";
    }

    /** Reads the secret's JSON; the message of the exception says which field is wrong, never a value. */
    public static GitHubAppSecret parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("the GitHub App secret is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the GitHub App secret must be a JSON object with appId, privateKey, webhookSecret");
        }
        JsonNode appId = root.get("appId");
        if (appId == null || !appId.canConvertToLong() || appId.asLong() <= 0
                || !(appId.isIntegralNumber() || appId.isTextual() && appId.asText().matches("[0-9]+"))) {
            throw new IllegalArgumentException("the GitHub App secret's 'appId' must be the App's numeric id");
        }
        String pem = root.path("privateKey").asText("");
        if (pem.isBlank()) {
            throw new IllegalArgumentException("the GitHub App secret has no 'privateKey' (the App's PEM private key)");
        }
        String webhookSecret = root.path("webhookSecret").asText("");
        if (webhookSecret.isEmpty()) {
            throw new IllegalArgumentException("the GitHub App secret has no 'webhookSecret'");
        }
        return new GitHubAppSecret(appId.asLong(), privateKey(pem), webhookSecret);
    }

    /** A PEM RSA private key: PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, GitHub's). */
    static RSAPrivateKey privateKey(String pem) {
        boolean pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
        if (!pkcs1 && !pem.contains("BEGIN PRIVATE KEY")) {
            throw new IllegalArgumentException("the GitHub App's 'privateKey' is not a PEM RSA private key");
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) (RSA )?PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            return (RSAPrivateKey) KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(pkcs1 ? pkcs8Of(der) : der));
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("the GitHub App's 'privateKey' cannot be read as an RSA key");
        }
    }

    /**
     * The JDK reads only PKCS#8: a PKCS#1 key is wrapped as {@code PrivateKeyInfo {version 0,
     * rsaEncryption, OCTET STRING pkcs1}} (RFC 5208), which is all the PEM parsers of larger
     * libraries do for it.
     */
    private static byte[] pkcs8Of(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] rsaEncryption = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
                0x01, 0x01, 0x05, 0x00};
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(version);
        body.writeBytes(rsaEncryption);
        body.writeBytes(der(0x04, pkcs1));
        return der(0x30, body.toByteArray());
    }

    private static byte[] der(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
