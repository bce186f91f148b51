package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.functions.handlers.ControlApiHandler;
import dev.deltaci.functions.handlers.RunnerApiHandler;
import dev.deltaci.functions.handlers.SchedulerHandler;
import dev.deltaci.functions.handlers.SnapStartPriming;
import dev.deltaci.functions.handlers.WebhookHandler;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.metrics.RequestCounter;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.support.StackContents;
import dev.deltaci.local.support.TestStacks;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What each function primes before its SnapStart snapshot runs whole on a real stack and stays
 * off it: no AWS request, no metric, nothing stored, no step failing.
 */
class SnapStartPrimingTest {

    @Test
    void everyFunctionsPriming_shouldSucceedWithoutAnAwsRequestOrAMetric() throws Exception {
        RequestCounter requests = new RequestCounter();
        try (AwsStack stack = TestStacks.start();
             LocalControlPlane plane = new LocalControlPlane(stack, LocalControlPlane.Options.defaults("s")
                     .withInterceptors(List.of(requests)).withScheduleInterval(null))) {
            // each on the plane the host builds for it, whose clients the counter sees
            List<Supplier<Object>> handlers = List.of(() -> new WebhookHandler(plane.functionPlane("WebhookFunction")),
                    () -> new RunnerApiHandler(plane.functionPlane("RunnerApiFunction")),
                    () -> new ControlApiHandler(plane.functionPlane("ControlApiFunction")),
                    () -> new SchedulerHandler(plane.functionPlane("SchedulerFunction")));
            for (Supplier<Object> handler : handlers) {
                handler.get();
                long before = requests.total("DynamoDb") + requests.total("Sqs") + requests.total("S3");
                String metricsBefore = plane.metrics().prometheus();
                StackContents contentsBefore = StackContents.of(stack);

                SnapStartPriming.Primed primed = SnapStartPriming.primeRegistered().orElseThrow();

                assertThat(primed.failures()).as(primed.function()).isEmpty();
                assertThat(requests.total("DynamoDb") + requests.total("Sqs") + requests.total("S3"))
                        .as(primed.function() + " made AWS requests while priming").isEqualTo(before);
                assertThat(plane.metrics().prometheus()).as(primed.function()).isEqualTo(metricsBefore);
                assertThat(StackContents.of(stack)).isEqualTo(contentsBefore);
            }
        }
    }
}
