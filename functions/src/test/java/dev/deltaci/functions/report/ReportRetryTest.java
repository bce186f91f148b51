package dev.deltaci.functions.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReportRetryTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void gitHubsRetryTime_shouldBeKept_withinASecondAndFifteenMinutes() {
        assertThat(ReportRetry.delay(NOW, NOW, NOW.plusSeconds(42))).contains(Duration.ofSeconds(42));
        assertThat(ReportRetry.delay(NOW, NOW, NOW.minusSeconds(5))).contains(Duration.ofSeconds(1));
        assertThat(ReportRetry.delay(NOW, NOW, null)).contains(Duration.ofSeconds(1));
        assertThat(ReportRetry.delay(NOW, NOW, NOW.plus(Duration.ofHours(1)))).contains(Duration.ofMinutes(15));
    }

    @Test
    void aChangeQueuedADayAgo_shouldBeGivenUp() {
        Instant dayAgo = NOW.minus(Duration.ofDays(1));

        assertThat(ReportRetry.delay(dayAgo, NOW, NOW.plusSeconds(10))).isEmpty();
        assertThat(ReportRetry.delay(dayAgo.plusSeconds(1), NOW, NOW.plusSeconds(10))).isPresent();
    }
}
