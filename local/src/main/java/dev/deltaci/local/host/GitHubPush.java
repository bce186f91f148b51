package dev.deltaci.local.host;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deltaci.functions.security.GitHubSignature;
import dev.deltaci.local.repo.LocalRepository;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/** Sends webhooks the way GitHub does: the push payload's shape, and any event's headers and signature. */
public final class GitHubPush {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private GitHubPush() {
    }

    /** The response to one delivery. */
    public record Delivery(String deliveryId, int status, String body) {
    }

    public static byte[] payload(LocalRepository repo) {
        ObjectNode root = JSON.createObjectNode();
        root.put("ref", repo.ref());
        root.put("before", "0".repeat(40));
        root.put("after", repo.sha());
        root.put("created", true);
        root.put("deleted", false);
        root.put("forced", false);
        ObjectNode repository = root.putObject("repository");
        repository.put("name", repo.name().substring(repo.name().indexOf('/') + 1));
        repository.put("full_name", repo.name());
        repository.put("clone_url", repo.cloneUrl());
        repository.put("default_branch", "main");
        ObjectNode pusher = root.putObject("pusher");
        pusher.put("name", System.getProperty("user.name", "local"));
        ObjectNode head = root.putObject("head_commit");
        head.put("id", repo.sha());
        head.put("message", repo.message());
        head.put("timestamp", Instant.now().toString());
        root.putArray("commits").add(head.deepCopy());
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Delivery send(URI apiUrl, String secret, byte[] payload) throws IOException, InterruptedException {
        String deliveryId = UUID.randomUUID().toString();
        return send(apiUrl, secret, payload, deliveryId);
    }

    public static Delivery send(URI apiUrl, String secret, byte[] payload, String deliveryId)
            throws IOException, InterruptedException {
        return send(apiUrl, secret, "push", payload, deliveryId);
    }

    /** Delivers any event's payload, signed, with a fresh delivery id unless one is given. */
    public static Delivery send(URI apiUrl, String secret, String event, byte[] payload, String deliveryId)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(apiUrl.resolve("/webhooks/github"))
                .timeout(Duration.ofSeconds(60))
                .header("content-type", "application/json")
                .header("user-agent", "GitHub-Hookshot/delta-local")
                .header("x-github-event", event)
                .header("x-github-delivery", deliveryId)
                .header("x-hub-signature-256", GitHubSignature.sign(secret.getBytes(StandardCharsets.UTF_8), payload))
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Delivery(deliveryId, response.statusCode(), response.body());
    }
}
