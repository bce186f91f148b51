package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.local.chaos.ChaosReport;
import dev.deltaci.local.chaos.ChaosRun;
import java.io.PrintWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A small chaos run inside the build (the required one, 500 jobs, is 'delta bench chaos'):
 * runners SIGKILLed mid-job, duplicated queue sends, dynalite and ElasticMQ restarted.
 */
class ChaosTest {

    @Test
    void chaos_shouldLoseNothing_acceptNothingTwice_andMissNoLogChunk() throws Exception {
        ChaosReport report = new ChaosRun(new ChaosRun.Config(30, 3, 0.25, 0.15, 7, Duration.ofMinutes(4)),
                new PrintWriter(System.out, true)).run();

        // the faults really happened...
        assertThat(report.runnersKilled()).isPositive();
        assertThat(report.duplicateSends()).isPositive();
        assertThat(report.dynaliteRestarts()).isEqualTo(1);
        assertThat(report.elasticMqRestarts()).isEqualTo(1);
        // ...and the guarantees held
        assertThat(report.jobsSubmitted()).isEqualTo(30);
        assertThat(report.lost()).isZero();
        assertThat(report.completionsAcceptedTwice()).isZero();
        assertThat(report.missingLogChunks()).isZero();
        assertThat(report.jobsByState()).containsOnlyKeys("SUCCEEDED");
    }
}
