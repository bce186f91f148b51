package dev.deltaci.local.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deltaci.functions.github.GitHubApp;
import dev.deltaci.functions.github.GitHubDouble;
import dev.deltaci.functions.github.TestKeys;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.stack.AwsStack;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;

/**
 * A GitHub double and the environment that makes a local control plane its App (as
 * {@code delta dev --github-app} does), with the webhook bodies GitHub would send.
 */
public final class GitHubAppFixture implements AutoCloseable {

    public static final String HOOK_SECRET = "app-hook-secret";
    public static final long APP_ID = 31;
    private static final ObjectMapper JSON = new ObjectMapper();

    public final GitHubDouble github;
    private final String appJson;
    private AwsStack stack;
    private LocalControlPlane plane;

    public GitHubAppFixture() throws Exception {
        this(Clock.systemUTC());
    }

    /** @param clock the plane's clock: the double checks the App's JWTs against it */
    public GitHubAppFixture(Clock clock) throws Exception {
        KeyPair keys = TestKeys.app();
        github = new GitHubDouble(APP_ID, (RSAPublicKey) keys.getPublic(), clock);
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        appJson = JSON.writeValueAsString(Map.of("appId", APP_ID, "privateKey", pem, "webhookSecret", HOOK_SECRET));
    }

    /** Starts a test stack and, on it, a local control plane made this App, over the options' environment (closed with the fixture). */
    public LocalControlPlane startPlane(LocalControlPlane.Options options) throws Exception {
        stack = TestStacks.start();
        Map<String, String> env = new java.util.HashMap<>(options.environmentOverrides());
        env.putAll(environment());
        plane = new LocalControlPlane(stack, options.withEnvironment(env));
        return plane;
    }

    /** The function environment that makes a plane this App, against the double. */
    public Map<String, String> environment() {
        return Map.of(GitHubApp.SECRET_VALUE, appJson, GitHubApp.API_URL, github.baseUrl());
    }

    /** A push of {@code sha} to main of octo/app, as GitHub delivers it to the App. */
    public static byte[] push(String sha) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        root.put("ref", "refs/heads/main");
        root.put("before", "0".repeat(40));
        root.put("after", sha);
        root.put("created", true);
        root.put("deleted", false);
        ObjectNode repository = root.putObject("repository");
        repository.put("name", "app");
        repository.put("full_name", "octo/app");
        repository.put("clone_url", "https://github.com/octo/app.git");
        repository.put("default_branch", "main");
        root.putObject("installation").put("id", 42);
        return JSON.writeValueAsBytes(root);
    }

    @Override
    public void close() {
        if (plane != null) {
            plane.close();
        }
        if (stack != null) {
            stack.close();
        }
        github.close();
    }
}
