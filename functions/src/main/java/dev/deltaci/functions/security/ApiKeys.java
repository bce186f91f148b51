package dev.deltaci.functions.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.pipeline.Glob;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Who may use the control API, and for which repositories: API keys sent as
 * {@code Authorization: Bearer <key>}, stored only as SHA-256 hashes and compared in constant
 * time, each with a name (recorded on what it does) and the repositories it may act on (glob
 * patterns: {@code octo/*}, {@code **} for all) and its access: {@code "read"} keys may read runs,
 * logs and artifacts; {@code "write"} keys (the default, as every key was before access existed) may
 * also start, cancel and rerun runs.
 *
 * <p>Configuration: {@code {"keys": [{"sha256": "<hex>", "name": "deploy-bot", "repositories":
 * ["octo/*"], "access": "write"}]}} from Secrets Manager ({@code CONTROL_API_KEYS_SECRET_ARN}, through Powertools
 * Parameters, re-read every five minutes) in the cloud, or
 * {@code CONTROL_API_KEYS_FILE} / {@code CONTROL_API_KEYS} locally.
 */
public final class ApiKeys {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern NAME = Pattern.compile("[\\p{L}\\p{N} ._@-]{1,64}");

    /** What a key may do: read runs, logs and artifacts; or also start, cancel and rerun them. */
    public enum Access {
        READ, WRITE
    }

    /** A key's identity, reach and access. */
    public record Key(String name, List<String> repositories, Access access) {
        public boolean allows(String repository) {
            return Glob.matchesAny(repositories, repository);
        }

        public boolean mayWrite() {
            return access == Access.WRITE;
        }
    }

    /** The key a request authenticated with, or the HTTP status and why not. */
    public record Check(Key key, int status, String reason) {
        public boolean ok() {
            return key != null;
        }
    }

    private record Entry(byte[] sha256, Key key) {
    }

    private final Supplier<List<Entry>> source;

    private ApiKeys(Supplier<List<Entry>> source) {
        this.source = source;
    }

    public static ApiKeys of(String json) {
        List<Entry> parsed = parse(json);
        return new ApiKeys(() -> parsed);
    }

    public static ApiKeys fromEnvironment(Map<String, String> env) {
        SecretText text = SecretText.fromEnvironment(env, "CONTROL_API_KEYS_SECRET_ARN", "CONTROL_API_KEYS_FILE",
                "CONTROL_API_KEYS");
        return new ApiKeys(new ParsedOnChange<>(text, ApiKeys::parse));
    }

    public static String hash(String key) {
        return HashedTokens.hex(key);
    }

    public Check check(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ") || authorization.length() <= 7) {
            return new Check(null, 401, "missing API key: send Authorization: Bearer <key>");
        }
        return HashedTokens.lookup(authorization.substring(7).strip(), entries(), Entry::sha256)
                .map(entry -> new Check(entry.key(), 200, null))
                .orElseGet(() -> new Check(null, 401, "unknown API key"));
    }

    private List<Entry> entries() {
        return source.get();
    }

    private static List<Entry> parse(String json) {
        try {
            List<Entry> entries = new ArrayList<>();
            for (JsonNode key : JSON.readTree(json).path("keys")) {
                String name = key.path("name").asText("");
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalStateException("control API key name '" + name + "' is not valid");
                }
                List<String> repositories = new ArrayList<>();
                key.path("repositories").forEach(r -> repositories.add(r.asText()));
                String access = key.path("access").asText("write");
                if (!access.equals("read") && !access.equals("write")) {
                    throw new IllegalStateException("control API key '" + name + "': access must be \"read\" or "
                            + "\"write\", found '" + access + "'");
                }
                entries.add(new Entry(HexFormat.of().parseHex(key.path("sha256").asText()),
                        new Key(name, repositories, Access.valueOf(access.toUpperCase(java.util.Locale.ROOT)))));
            }
            if (entries.isEmpty()) {
                throw new IllegalStateException("no control API keys configured");
            }
            return entries;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("control API keys configuration is not valid: " + e.getMessage(), e);
        }
    }
}
