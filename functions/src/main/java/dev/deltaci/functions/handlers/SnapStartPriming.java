package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.deltaci.functions.http.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work a function does once before SnapStart snapshots its published version (CRaC's
 * {@code beforeCheckpoint}, which Lambda calls when it publishes the version): the first
 * request after every restore then finds its path's classes loaded and initialized (Jackson,
 * SnakeYAML, the pipeline parser, the wire records) instead of loading them while a caller waits.
 *
 * <p>Priming uses made-up input only, and each step is refused or ends before any AWS call: it
 * writes nothing, sends nothing, records no metric. A step that fails is logged and skipped;
 * priming can only make the first request faster, never keep a version from publishing.
 * Off Lambda (no CRaC in the JVM) nothing calls it; {@code delta bench coldstart} calls
 * {@link #primeRegistered()} to measure what it moves out of the first request. The sweeper,
 * reporter and scaler register none: their requests are AWS calls from the first line, and a
 * priming call to AWS would be a real one made while the snapshot is taken.
 */
public final class SnapStartPriming implements Resource {

    private static final Logger LOG = LoggerFactory.getLogger(SnapStartPriming.class);
    /** The last registration in this JVM: what the bench primes. */
    private static volatile SnapStartPriming registered;

    /** One priming step: any exception it throws is logged, never passed on. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private final String function;
    private final List<Step> steps;

    private SnapStartPriming(String function, List<Step> steps) {
        this.function = function;
        this.steps = List.copyOf(steps);
    }

    /**
     * Registers the steps with CRaC's global context. The handler keeps what this returns, so the
     * registration lives as long as the handler whatever references the context keeps.
     */
    static SnapStartPriming register(String function, Step... steps) {
        SnapStartPriming priming = new SnapStartPriming(function, List.of(steps));
        Core.getGlobalContext().register(priming);
        registered = priming;
        return priming;
    }

    /** What a priming did: how long it took, and why each step that failed did (none, normally). */
    public record Primed(String function, long millis, List<String> failures) {
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        Primed primed = prime();
        LOG.info("{} primed for its snapshot in {} ms ({} of {} steps failed)", function, primed.millis(),
                primed.failures().size(), steps.size());
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        // nothing to undo: priming opened no connection and holds no state
    }

    /** Runs every step once, each whatever the others did. */
    public Primed prime() {
        long began = System.nanoTime();
        List<String> failures = new java.util.ArrayList<>();
        for (Step step : steps) {
            try {
                step.run();
            } catch (Exception e) {
                failures.add(e.toString());
                LOG.warn("{}: a priming step failed; the first request will load what it would have: {}", function,
                        e.toString());
            }
        }
        return new Primed(function, (System.nanoTime() - began) / 1_000_000, List.copyOf(failures));
    }

    /**
     * Primes what the last handler built in this JVM registered (on Lambda a JVM hosts one
     * function); empty if none did. For {@code delta bench coldstart} and tests.
     */
    public static java.util.Optional<Primed> primeRegistered() {
        SnapStartPriming priming = registered;
        return priming == null ? java.util.Optional.empty() : java.util.Optional.of(priming.prime());
    }

    /**
     * A step that sends an HTTP API request through the handler's own route and answer: the
     * request carries no credential, so the answer (a 401) comes before any AWS call. Throws if
     * the answer is anything else: a step that reaches further than meant is a bug to see.
     */
    static Step refusedRequest(String path, Map<String, String> headers, String body,
                                   Function<APIGatewayV2HTTPEvent, ApiResponse> route) {
        return () -> {
            APIGatewayV2HTTPEvent event = APIGatewayV2HTTPEvent.builder().withRawPath(path).withHeaders(headers)
                    .withBody(body).withIsBase64Encoded(false).build();
            ApiResponse answer = route.apply(event);
            HttpHandlers.toResponse(answer);
            if (answer.status() != 401) {
                throw new IllegalStateException("priming request to " + path + " was answered " + answer.status()
                        + ", not 401: it may have reached AWS");
            }
        };
    }

    /** A push event as GitHub sends it, trimmed to what Delta reads. */
    static byte[] samplePush() {
        return ("{\"ref\":\"refs/heads/main\",\"before\":\"" + "1".repeat(40) + "\",\"after\":\"" + "2".repeat(40)
                + "\",\"repository\":{\"full_name\":\"octo/app\",\"clone_url\":\"https://github.com/octo/app.git\","
                + "\"default_branch\":\"main\"}}").getBytes(StandardCharsets.UTF_8);
    }

    /** A pipeline using what most do: needs, a matrix, an expression, a condition, a cron. */
    static final String SAMPLE_PIPELINE = """
            on:
              push:
                branches: [main]
              pull_request:
              schedule:
                - cron: '0 3 * * 1'
            jobs:
              build:
                runs-on: linux
                steps:
                  - uses: actions/checkout@v4
                  - run: make build ${{ github.sha }}
              test:
                needs: build
                if: success()
                strategy:
                  matrix:
                    os: [linux, mac]
                steps:
                  - run: make test
            """;
}
