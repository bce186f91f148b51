package dev.deltaci.local.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CostModelTest {

    @Test
    void perThousandJobs_shouldPriceEachServiceFromItsCountedUsage_scaledToAThousandJobs() {
        // 100 jobs used: 300 API requests, 400 invocations taking 8 GB-s, 700 write and 200 read units
        // (indexes doubling the writes), 300 SQS requests, 100 PUTs and 50 GETs
        CostModel.Usage usage = new CostModel.Usage(100, 300, 400, 8.0, 700, 200, 2, 300, 100, 50);
        Map<String, Double> cost = CostModel.perThousandJobs(usage, CostModel.Prices.US_EAST_1);

        assertThat(cost.get("apiGateway")).isEqualTo(0.003);          // 3,000 × $1/M
        assertThat(cost.get("lambda")).isEqualTo(0.001867);           // 4,000 × $0.2/M + 80 GB-s × $0.0000133334
        assertThat(cost.get("dynamoDb")).isEqualTo(0.009);            // 14,000 WRU × $0.625/M + 2,000 RRU × $0.125/M
        assertThat(cost.get("sqs")).isEqualTo(0.0012);                // 3,000 × $0.4/M
        assertThat(cost.get("s3")).isEqualTo(0.0052);                 // 1,000 PUTs × $0.005/1k + 500 GETs × $0.0004/1k
        assertThat(cost.get("total")).isEqualTo(0.020267);
    }

    @Test
    void usage_shouldBeOfAtLeastOneJob() {
        assertThatThrownBy(() -> new CostModel.Usage(0, 0, 0, 0, 0, 0, 1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
