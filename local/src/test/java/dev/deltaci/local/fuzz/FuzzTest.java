package dev.deltaci.local.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A bounded fuzz run inside the build (the long run is `delta fuzz --inputs 100000`): hostile
 * inputs to the webhook, the runner API and the pipeline parser never crash them, never get a
 * 5xx, and never write state while being rejected.
 */
class FuzzTest {

    @Test
    void hostileInputs_shouldNeverCrash_get5xx_orWriteWhileRejected() {
        List<Fuzzer.TargetReport> reports = Fuzzer.run(3000, 20261127L, null);

        for (Fuzzer.TargetReport report : reports) {
            assertThat(report.examples()).as(report.target()).isEmpty();
            assertThat(report.clean()).isTrue();
            assertThat(report.inputs()).isEqualTo(3000);
        }
        // the inputs reached past the first gates: some were accepted, many refused for different reasons
        Fuzzer.TargetReport webhook = reports.get(0);
        assertThat(webhook.statuses()).containsKeys(201, 400, 401);
        assertThat(reports.get(1).statuses()).containsKeys(200, 400, 401, 403);
        assertThat(reports.get(2).statuses()).containsKeys(200, 400);
    }

    /** Negative control: handlers that write while refusing, answer 5xx or throw are all caught. */
    @Test
    void theFuzzer_shouldCatchAHandlerThatWritesWhileRejecting_answers5xx_orThrows() {
        RecordingAws aws = new RecordingAws();
        var dynamo = aws.dynamo();

        Fuzzer.TargetReport report = Fuzzer.drive("broken", 30, aws, null, i -> switch (i % 3) {
            case 0 -> {
                dynamo.putItem(b -> b.tableName("t").item(java.util.Map.of()));
                yield new Fuzzer.Outcome(400, true, "input " + i);
            }
            case 1 -> new Fuzzer.Outcome(503, true, "input " + i);
            default -> throw new IllegalStateException("boom");
        });

        assertThat(report.writesOnReject()).isEqualTo(10);
        assertThat(report.serverErrors()).isEqualTo(10);
        assertThat(report.crashes()).isEqualTo(10);
        assertThat(report.clean()).isFalse();
        assertThat(report.examples()).isNotEmpty();
    }
}
