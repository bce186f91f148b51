package dev.deltaci.functions.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Where a repository's job secrets come from, read when a job that uses them is leased and
 * handed only to its runner (never written to DynamoDB or S3). In the cloud: one Secrets Manager
 * secret per repository, named {@code <JOB_SECRETS_PREFIX><owner>/<name>}, holding a JSON object
 * of names to values. Locally: {@code JOB_SECRETS_FILE} or {@code JOB_SECRETS}, a JSON object of
 * repositories to such objects.
 */
public interface JobSecrets {

    /** The values of {@code names} for the repository; a name it does not define is left out. */
    Map<String, String> read(String repository, Set<String> names);

    JobSecrets NONE = (repository, names) -> Map.of();

    static JobSecrets fromEnvironment(Map<String, String> env) {
        if (env.containsKey("JOB_SECRETS_PREFIX")) {
            String prefix = env.get("JOB_SECRETS_PREFIX");
            return (repository, names) -> {
                try {
                    // through Powertools Parameters, cached a minute: a rotation reaches jobs within one
                    return pick(SecretText.secretsManager(prefix + repository, 60), names);
                } catch (RuntimeException e) {
                    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                        if (cause instanceof ResourceNotFoundException) {
                            return Map.of(); // the repository has no secrets
                        }
                    }
                    throw e;
                }
            };
        }
        if (env.containsKey("JOB_SECRETS_FILE")) {
            Path file = Path.of(env.get("JOB_SECRETS_FILE"));
            return (repository, names) -> {
                try {
                    return pick(new ObjectMapper().readTree(Files.readString(file)).path(repository).toString(), names);
                } catch (IOException e) {
                    throw new IllegalStateException("cannot read job secrets file " + file + ": " + e.getMessage(), e);
                }
            };
        }
        if (env.containsKey("JOB_SECRETS")) {
            String json = env.get("JOB_SECRETS");
            return (repository, names) -> {
                try {
                    return pick(new ObjectMapper().readTree(json).path(repository).toString(), names);
                } catch (IOException e) {
                    throw new IllegalStateException("JOB_SECRETS is not valid JSON", e);
                }
            };
        }
        return NONE;
    }

    private static Map<String, String> pick(String json, Set<String> names) {
        Map<String, String> values = new LinkedHashMap<>();
        try {
            JsonNode all = new ObjectMapper().readTree(json);
            for (String name : names) {
                if (all != null && all.hasNonNull(name)) {
                    values.put(name, all.get(name).asText());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("a repository's secrets must be a JSON object of names to values", e);
        }
        return values;
    }
}
