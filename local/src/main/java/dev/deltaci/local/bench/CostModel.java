package dev.deltaci.local.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the control plane's AWS usage costs at published on-demand list prices (us-east-1,
 * arm64 Lambda, no free tier), from usage counted in a bench run. Runner instances, CloudWatch
 * Logs ingestion and data transfer are not included: they depend on the jobs, not on Delta.
 */
public final class CostModel {

    /** Dollars per unit of each billed dimension, as published (checked 2026-12). */
    public record Prices(double apiGatewayPerMillionRequests, double lambdaPerMillionRequests,
                         double lambdaPerGbSecond, double dynamoDbPerMillionWriteUnits,
                         double dynamoDbPerMillionReadUnits, double sqsPerMillionRequests,
                         double s3PerThousandPuts, double s3PerThousandGets) {

        /**
         * API Gateway HTTP API $1.00/M requests; Lambda $0.20/M requests and $0.0000133334 per
         * GB-second on arm64; DynamoDB on-demand $0.625/M write and $0.125/M read request units;
         * SQS standard $0.40/M requests; S3 Standard $0.005 per 1,000 PUTs, $0.0004 per 1,000 GETs.
         */
        public static final Prices US_EAST_1 = new Prices(1.00, 0.20, 0.0000133334, 0.625, 0.125, 0.40, 0.005, 0.0004);
    }

    /**
     * What some number of jobs used. {@code dynamoDbWriteUnits} counts the table's units as the
     * store reported them; {@code indexWriteFactor} multiplies them for the secondary indexes the
     * emulator does not charge (3: a write changes at most two index entries, each no larger
     * than the item — an upper bound).
     */
    public record Usage(int jobs, long apiRequests, long lambdaRequests, double lambdaGbSeconds,
                        double dynamoDbWriteUnits, double dynamoDbReadUnits, double indexWriteFactor,
                        long sqsRequests, long s3Puts, long s3Gets) {
        public Usage {
            if (jobs < 1) {
                throw new IllegalArgumentException("usage of at least one job");
            }
        }
    }

    private CostModel() {
    }

    /** Dollars per 1,000 jobs by service, and their {@code total}, rounded to a millionth of a dollar. */
    public static Map<String, Double> perThousandJobs(Usage usage, Prices prices) {
        double scale = 1000.0 / usage.jobs();
        Map<String, Double> cost = new LinkedHashMap<>();
        cost.put("apiGateway", usage.apiRequests() * scale * prices.apiGatewayPerMillionRequests() / 1e6);
        cost.put("lambda", usage.lambdaRequests() * scale * prices.lambdaPerMillionRequests() / 1e6
                + usage.lambdaGbSeconds() * scale * prices.lambdaPerGbSecond());
        cost.put("dynamoDb", usage.dynamoDbWriteUnits() * usage.indexWriteFactor() * scale
                * prices.dynamoDbPerMillionWriteUnits() / 1e6
                + usage.dynamoDbReadUnits() * scale * prices.dynamoDbPerMillionReadUnits() / 1e6);
        cost.put("sqs", usage.sqsRequests() * scale * prices.sqsPerMillionRequests() / 1e6);
        cost.put("s3", usage.s3Puts() * scale * prices.s3PerThousandPuts() / 1e3
                + usage.s3Gets() * scale * prices.s3PerThousandGets() / 1e3);
        double total = cost.values().stream().mapToDouble(Double::doubleValue).sum();
        cost.put("total", total);
        cost.replaceAll((service, dollars) -> Math.round(dollars * 1e6) / 1e6);
        return cost;
    }
}
