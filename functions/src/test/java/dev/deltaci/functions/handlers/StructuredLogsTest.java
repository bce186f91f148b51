package dev.deltaci.functions.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.functions.metrics.Metric;
import dev.deltaci.functions.metrics.MetricRegistry;
import dev.deltaci.functions.wiring.ControlPlane;
import dev.deltaci.functions.wiring.ControlPlaneConfig;
import java.io.StringWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Function logs are JSON lines (the functions' log4j2.xml, Powertools' layout) carrying the
 * Lambda context and the invocation's correlation keys; a failing invocation is one ERROR line,
 * one FunctionErrors count and a 500 that names the request, and its keys do not leak into the
 * next invocation.
 */
class StructuredLogsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringWriter captured = new StringWriter();
    private WriterAppender appender;
    private DynamoDbClient unreachable;

    @BeforeEach
    void captureTheConfiguredJsonLayout() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        // the layout the Lambda configuration gives its console appender, writing here instead
        var layout = config.getAppender("JsonAppender").getLayout();
        appender = WriterAppender.newBuilder().setName("captured").setTarget(captured).setLayout(layout).build();
        appender.start();
        config.getLoggerConfig("dev.deltaci").addAppender(appender, null, null);
        context.updateLoggers();
        // the ops ledger's DynamoDB is down: counting the error there must not hide the error
        unreachable = DynamoDbClient.builder().endpointOverride(URI.create("http://127.0.0.1:1"))
                .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("x", "x")))
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(2))).build();
    }

    @AfterEach
    void stopCapturing() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getLoggerConfig("dev.deltaci").removeAppender("captured");
        context.updateLoggers();
        appender.stop();
        unreachable.close();
    }

    @Test
    void aFailingInvocation_shouldLogOneJsonErrorLineWithItsCorrelationKeys_andAnswer500NamingTheRequest()
            throws Exception {
        MetricRegistry metrics = new MetricRegistry();
        Invocations invocations = new Invocations("RunnerApiFunction", plane(metrics));

        APIGatewayV2HTTPResponse response = invocations.http(new TestContext("req-42"), () -> {
            MDC.put("runId", "r-7");
            MDC.put("jobId", "build");
            MDC.put("epoch", "3");
            MDC.put("runnerId", "runner-a");
            throw new IllegalStateException("boom");
        });

        assertThat(response.getStatusCode()).isEqualTo(500);
        assertThat(JSON.readTree(response.getBody()).get("error").asText()).contains("req-42").doesNotContain("boom");
        JsonNode error = lines().stream().filter(l -> l.path("level").asText().equals("ERROR")).findFirst()
                .orElseThrow(() -> new AssertionError("no ERROR line in " + captured));
        assertThat(error.path("message").asText()).contains("RunnerApiFunction failed").contains("boom");
        assertThat(error.path("runId").asText()).isEqualTo("r-7");
        assertThat(error.path("jobId").asText()).isEqualTo("build");
        assertThat(error.path("epoch").asText()).isEqualTo("3");
        assertThat(error.path("runnerId").asText()).isEqualTo("runner-a");
        assertThat(error.path("function_request_id").asText()).isEqualTo("req-42");
        assertThat(error.path("function_name").asText()).isEqualTo("RunnerApiFunction");
        assertThat(error.path("error").path("name").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(metrics.sum(Metric.FUNCTION_ERRORS, Map.of("function", "RunnerApiFunction"))).isEqualTo(1);
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
    }

    @Test
    void theNextInvocation_shouldNotCarryTheLastOnesKeys() throws Exception {
        Invocations invocations = new Invocations("WebhookFunction", plane(new MetricRegistry()));
        invocations.http(new TestContext("req-1"), () -> {
            MDC.put("deliveryId", "d-1");
            return dev.deltaci.functions.http.ApiResponse.of(202, "ok", true);
        });

        invocations.http(new TestContext("req-2"), () -> {
            org.slf4j.LoggerFactory.getLogger("dev.deltaci.test").info("second");
            return dev.deltaci.functions.http.ApiResponse.of(202, "ok", true);
        });

        JsonNode second = lines().stream().filter(l -> l.path("message").asText().equals("second")).findFirst()
                .orElseThrow();
        assertThat(second.has("deliveryId")).isFalse();
        assertThat(second.path("function_request_id").asText()).isEqualTo("req-2");
    }

    private List<JsonNode> lines() {
        return captured.toString().lines().filter(l -> l.startsWith("{")).map(l -> {
            try {
                return JSON.readTree(l);
            } catch (Exception e) {
                throw new AssertionError("not a JSON line: " + l, e);
            }
        }).toList();
    }

    private ControlPlane plane(MetricRegistry metrics) {
        ControlPlaneConfig config = ControlPlaneConfig.fromEnvironment(Map.of("TABLE_NAME", "t", "QUEUE_URL", "q",
                "BUCKET_NAME", "b"));
        return new ControlPlane(unreachable, null, null, null, config, null, null, null, null, null, metrics,
                Clock.systemUTC(), null);
    }

    private record TestContext(String awsRequestId) implements Context {
        public String getAwsRequestId() {
            return awsRequestId;
        }

        public String getLogGroupName() {
            return "/aws/lambda/test";
        }

        public String getLogStreamName() {
            return "test";
        }

        public String getFunctionName() {
            return "RunnerApiFunction";
        }

        public String getFunctionVersion() {
            return "$LATEST";
        }

        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:000000000000:function:RunnerApiFunction";
        }

        public CognitoIdentity getIdentity() {
            return null;
        }

        public ClientContext getClientContext() {
            return null;
        }

        public int getRemainingTimeInMillis() {
            return 10_000;
        }

        public int getMemoryLimitInMB() {
            return 1024;
        }

        public LambdaLogger getLogger() {
            return null;
        }
    }
}
