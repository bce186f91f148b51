package dev.deltaci.functions.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.functions.http.ApiResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Priming runs every step, reports the ones that fail instead of passing their failure on, and notices a step that reaches past its refusal. */
class SnapStartPrimingTest {

    @Test
    void theCheckpointHook_shouldRunEveryStep_andAFailingOneShouldNotStopTheOthers() {
        List<String> ran = new ArrayList<>();
        SnapStartPriming priming = SnapStartPriming.register("TestFunction",
                () -> ran.add("first"),
                () -> {
                    throw new IllegalStateException("boom");
                },
                () -> ran.add("third"));

        priming.beforeCheckpoint(null);

        assertThat(ran).containsExactly("first", "third");
        assertThat(priming.prime().failures()).containsExactly("java.lang.IllegalStateException: boom");
        assertThat(SnapStartPriming.primeRegistered()).get().extracting(SnapStartPriming.Primed::function)
                .isEqualTo("TestFunction");
    }

    @Test
    void aRefusedRequest_thatIsNotRefused_shouldBeReportedAsAFailure() {
        List<String> seen = new ArrayList<>();
        SnapStartPriming refused = SnapStartPriming.register("TestFunction", SnapStartPriming.refusedRequest("/runs",
                Map.of("x", "y"), "{}", event -> {
                    seen.add(event.getRawPath() + " " + event.getHeaders() + " " + event.getBody());
                    return ApiResponse.error(401, "no key");
                }));
        SnapStartPriming answered = SnapStartPriming.register("TestFunction", SnapStartPriming.refusedRequest("/runs",
                Map.of(), null, event -> ApiResponse.of(200, "runs", List.of())));

        assertThat(refused.prime().failures()).isEmpty();
        assertThat(seen).containsExactly("/runs {x=y} {}");
        assertThat(answered.prime().failures()).singleElement().asString()
                .contains("answered 200, not 401: it may have reached AWS");
    }
}
