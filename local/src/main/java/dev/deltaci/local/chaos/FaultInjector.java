package dev.deltaci.local.chaos;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * Injects faults into AWS calls at the HTTP edge of the SDK, per attempt. Most faults let the
 * request reach the server and be applied, then replace its answer with an error, so the caller
 * sees a failure for a write that happened (an ambiguous write) and the SDK's retries run for
 * real. {@link Fault#UNREACHABLE} fails the attempt before anything is sent.
 */
public final class FaultInjector implements ExecutionInterceptor {

    /** What the caller sees instead of the real answer. */
    public enum Fault {
        /** HTTP 500 InternalServerError: retried by the SDK's standard retry mode */
        SERVER_ERROR(500, "InternalServerError", "injected: applied, then reported as failed"),
        /** HTTP 400 ThrottlingException: retried with backoff */
        THROTTLING(400, "ThrottlingException", "injected: rate exceeded"),
        /** the connection fails before the request is sent: nothing is applied */
        UNREACHABLE(0, "IOException", "injected: connection refused");

        final int status;
        final String type;
        final String message;

        Fault(int status, String type, String message) {
            this.status = status;
            this.type = type;
            this.message = message;
        }
    }

    private record Rule(Predicate<SdkRequest> matches, Fault fault, AtomicInteger remaining) {
    }

    private static final ExecutionAttribute<Fault> FAULT_THIS_ATTEMPT = new ExecutionAttribute<>("delta.fault");

    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final AtomicInteger injected = new AtomicInteger();

    /** The next {@code times} attempts of requests that match get {@code fault} after being applied. */
    public FaultInjector inject(Predicate<SdkRequest> matches, Fault fault, int times) {
        rules.add(new Rule(matches, fault, new AtomicInteger(times)));
        return this;
    }

    /** How many answers were replaced so far. */
    public int injected() {
        return injected.get();
    }

    public void clear() {
        rules.clear();
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        for (Rule rule : rules) {
            if (rule.fault() == Fault.UNREACHABLE && rule.matches().test(context.request())
                    && rule.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                injected.incrementAndGet();
                throw SdkClientException.create(rule.fault().message, new IOException(rule.fault().message));
            }
        }
    }

    @Override
    public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        attributes.putAttribute(FAULT_THIS_ATTEMPT, null);
        for (Rule rule : rules) {
            if (rule.fault() != Fault.UNREACHABLE && rule.matches().test(context.request())
                    && rule.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                attributes.putAttribute(FAULT_THIS_ATTEMPT, rule.fault());
                injected.incrementAndGet();
                return context.httpResponse().toBuilder().statusCode(rule.fault().status)
                        .statusText(rule.fault().type)
                        .putHeader("x-amzn-ErrorType", rule.fault().type)
                        .build();
            }
        }
        return context.httpResponse();
    }

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
                                                           ExecutionAttributes attributes) {
        Fault fault = attributes.getAttribute(FAULT_THIS_ATTEMPT);
        if (fault == null) {
            return context.responseBody();
        }
        String body = "{\"__type\":\"com.amazonaws.dynamodb.v20120810#" + fault.type + "\",\"message\":\""
                + fault.message + "\"}";
        return Optional.of(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }
}
