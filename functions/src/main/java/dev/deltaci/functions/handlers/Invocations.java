package dev.deltaci.functions.handlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.store.OpsStore;
import dev.deltaci.functions.wiring.ControlPlane;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * What every handler does around its work: time it (FunctionLatency), count failures
 * (FunctionErrors, and the ops ledger behind {@code GET /status}), log them with the
 * invocation's correlation keys, and clear those keys afterwards (Lambda reuses the thread).
 * Handlers put their own keys (run id, job id, attempt, epoch, runner id, delivery id) into the
 * MDC; the JSON layout writes every MDC key as a field of each line.
 */
final class Invocations {

    private static final Logger LOG = LoggerFactory.getLogger(Invocations.class);

    private final String function;
    private final ControlPlane plane;
    private final OpsStore ops;

    Invocations(String function, ControlPlane plane) {
        this.function = function;
        this.plane = plane;
        this.ops = plane.opsStore();
    }

    /** An HTTP invocation: an unexpected exception becomes a 500 that names the request, never a stack trace. */
    APIGatewayV2HTTPResponse http(Context context, Supplier<ApiResponse> work) {
        return withLogging(context, () -> HttpHandlers.toResponse(answer(work)));
    }

    /** A scheduled invocation: failures are counted and logged, then rethrown so Lambda retries and reports them. */
    <T> T scheduled(Context context, Supplier<T> work) {
        return withLogging(context, () -> run(work));
    }

    /** Powertools puts the Lambda context (function name, request id, cold start) into every line's keys. */
    private static <T> T withLogging(Context context, Supplier<T> work) {
        try {
            return context == null ? work.get() : PowertoolsLogging.withLogging(context, work);
        } finally {
            MDC.clear();
        }
    }

    private ApiResponse answer(Supplier<ApiResponse> work) {
        return run(() -> {
            ApiResponse response;
            try {
                response = work.get();
            } catch (RuntimeException e) {
                failed(e.toString(), e);
                String requestId = MDC.get("function_request_id");
                return ApiResponse.error(500, "internal error; the control plane logged it"
                        + (requestId == null ? "" : " under request id " + requestId));
            }
            if (response.status() >= 500) {
                failed(response.status() + " " + response.body(), null);
            }
            return response;
        });
    }

    private <T> T run(Supplier<T> work) {
        long began = plane.clock().millis();
        try {
            return work.get();
        } catch (RuntimeException e) {
            failed(e.toString(), e);
            throw e;
        } finally {
            plane.metrics().record(Metric.FUNCTION_LATENCY, plane.clock().millis() - began, "function", function);
        }
    }

    private void failed(String what, Throwable error) {
        if (error == null) {
            LOG.error("{} failed: {}", function, what);
        } else {
            LOG.error("{} failed: {}", function, what, error);
        }
        plane.metrics().record(Metric.FUNCTION_ERRORS, 1, "function", function);
        try {
            ops.count(OpsStore.FUNCTION_ERRORS, 1, function + ": " + what);
        } catch (RuntimeException e) {
            // the ledger lives in DynamoDB, which may be what failed; the metric and the log have it
            LOG.warn("could not count the error in the ops ledger: {}", e.toString());
        }
    }
}
