package dev.deltaci.local.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.functions.wiring.ControlPlane;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /health} of a local control plane: can the functions reach each dependency right
 * now? One cheap read each (DescribeTable, GetQueueAttributes, HeadBucket), with its latency, or
 * the error that stopped it. 200 when all answer, 503 otherwise.
 */
record StackHealth(Map<String, Dependency> dependencies) {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Dependency(boolean ok, long latencyMs, String error) {
    }

    static StackHealth check(ControlPlane plane) {
        Map<String, Dependency> dependencies = new LinkedHashMap<>();
        dependencies.put("dynamodb", probe(() -> plane.dynamo().describeTable(b -> b.tableName(plane.config().tableName()))));
        dependencies.put("sqs", probe(() -> plane.sqs().getQueueAttributes(b -> b.queueUrl(plane.config().queueUrl()))));
        dependencies.put("s3", probe(() -> plane.s3().headBucket(b -> b.bucket(plane.config().bucketName()))));
        return new StackHealth(dependencies);
    }

    private static Dependency probe(Supplier<?> call) {
        long began = System.nanoTime();
        try {
            call.get();
            return new Dependency(true, (System.nanoTime() - began) / 1_000_000, null);
        } catch (RuntimeException e) {
            return new Dependency(false, (System.nanoTime() - began) / 1_000_000, e.getClass().getSimpleName() + ": "
                    + e.getMessage());
        }
    }

    boolean ok() {
        return dependencies.values().stream().allMatch(Dependency::ok);
    }

    String toJson() {
        try {
            return JSON.writeValueAsString(Map.of("status", ok() ? "ok" : "unavailable", "dependencies", dependencies));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
