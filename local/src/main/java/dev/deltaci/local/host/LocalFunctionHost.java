package dev.deltaci.local.host;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.deltaci.functions.wiring.ControlPlane;
import dev.deltaci.local.stack.CloudFormationTemplate;
import dev.deltaci.local.stack.ProvisionedStack;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.joda.time.DateTime;

/**
 * Serves the template's HTTP API on a loopback port: each request becomes the API Gateway
 * (HTTP API, payload 2.0) event Lambda would deliver, and goes to the same handler class, built
 * the way the template configures it. Functions with a {@code Schedule} event get a
 * {@link ScheduledEvent} on a timer; functions with an {@code SQS} event are fed from their queue
 * ({@link QueueEventSource}). Routes, schedules, handlers, memory and timeouts are all
 * read from {@code infra/template.yaml}.
 */
public final class LocalFunctionHost implements AutoCloseable {

    static {
        // The JDK's HttpServer leaves Nagle's algorithm on: a small answer written in two parts waits
        // for the client's delayed ACK, ~40 ms after /runner/logs in most runs (issue 17). Read once,
        // when the server's configuration class loads: so set before any HttpServer of this JVM.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** API Gateway's own payload limit. */
    static final int MAX_REQUEST_BYTES = 10 * 1024 * 1024;

    private record Route(String method, String path, String functionId, String handlerClass, int memoryMb,
                         int timeoutSeconds) {
    }

    private record Schedule(String functionId, String handlerClass, String expression) {
    }

    private record QueueEvent(String functionId, String handlerClass, String queueId, int batchSize, int timeoutSeconds) {
    }

    private final HttpServer server;
    private final ExecutorService workers;
    private final ScheduledExecutorService timers;
    private final Map<String, Route> routes = new HashMap<>();
    private final List<Schedule> schedules = new ArrayList<>();
    private final List<QueueEvent> queueEvents = new ArrayList<>();
    private final List<QueueEventSource> eventSources = new ArrayList<>();
    private final Map<String, RequestHandler<?, ?>> handlers = new HashMap<>();

    /**
     * @param planeForFunction builds a function's {@link ControlPlane} from its logical id (the
     *                         caller resolves the function's environment from the template)
     * @param scheduleInterval how often functions with a {@code Schedule} event run here (the
     *                         template's rate is for the cloud), or null to run none; null also
     *                         leaves the queues of {@code SQS} events unpolled (tests deliver them
     *                         with {@link #deliverQueued})
     * @param queueOf          a queue's URL and ARN by its logical id
     */
    public LocalFunctionHost(CloudFormationTemplate template, Function<String, ControlPlane> planeForFunction, int port,
                             Duration scheduleInterval, Function<String, Map.Entry<String, String>> queueOf)
            throws IOException {
        readFunctions(template);
        for (Route route : routes.values()) {
            handlers.computeIfAbsent(route.functionId(), id -> instantiate(route.handlerClass(), planeForFunction.apply(id)));
        }
        for (Schedule schedule : schedules) {
            handlers.computeIfAbsent(schedule.functionId(),
                    id -> instantiate(schedule.handlerClass(), planeForFunction.apply(id)));
        }
        for (QueueEvent queueEvent : queueEvents) {
            ControlPlane plane = planeForFunction.apply(queueEvent.functionId());
            @SuppressWarnings("unchecked")
            var handler = (RequestHandler<SQSEvent, SQSBatchResponse>) handlers.computeIfAbsent(
                    queueEvent.functionId(), id -> instantiate(queueEvent.handlerClass(), plane));
            Map.Entry<String, String> queue = queueOf.apply(queueEvent.queueId());
            QueueEventSource source = new QueueEventSource(queueEvent.functionId(), handler, plane.sqs(), queue.getKey(),
                    queue.getValue(), queueEvent.batchSize(), queueEvent.timeoutSeconds());
            eventSources.add(source);
            if (scheduleInterval != null) {
                source.start();
            }
        }
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        workers = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "function-host");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(workers);
        server.createContext("/", this::serve);
        server.start();
        // a thread per schedule, as Lambda runs each function on its own: a slow scheduler or scaler
        // (a store restarting under it) does not hold back the sweeper
        timers = Executors.newScheduledThreadPool(Math.max(1, schedules.size()), r -> {
            Thread t = new Thread(r, "function-schedules");
            t.setDaemon(true);
            return t;
        });
        if (scheduleInterval != null) {
            for (Schedule schedule : schedules) {
                timers.scheduleWithFixedDelay(() -> invokeScheduled(schedule), scheduleInterval.toMillis(),
                        scheduleInterval.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Serves a local-only endpoint (not a template route) on the same port, e.g. {@code /metrics}. */
    public void serveLocal(String path, com.sun.net.httpserver.HttpHandler handler) {
        server.createContext(path, handler);
    }

    /** Runs a scheduled function once now, as its timer would; returns what the handler returned. */
    public Object invokeScheduled(String functionId) {
        Schedule schedule = schedules.stream().filter(s -> s.functionId().equals(functionId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no scheduled function " + functionId));
        return invoke(schedule);
    }

    private void invokeScheduled(Schedule schedule) {
        try {
            invoke(schedule);
        } catch (RuntimeException e) {
            // as in Lambda, one failed invocation does not stop the schedule
            System.err.println(schedule.functionId() + " failed: " + e);
        }
    }

    @SuppressWarnings("unchecked")
    private Object invoke(Schedule schedule) {
        ScheduledEvent event = new ScheduledEvent();
        event.setSource("aws.events");
        event.setDetailType("Scheduled Event");
        event.setTime(new DateTime());
        event.setId(java.util.UUID.randomUUID().toString());
        return ((RequestHandler<ScheduledEvent, Object>) handlers.get(schedule.functionId()))
                .handleRequest(event, LocalLambdaContext.forInvocation(schedule.functionId(), 1024, 60));
    }

    /** Hands what is visible on a function's queue to it now, as its event source would; how many messages. */
    public int deliverQueued(String functionId) {
        return eventSources.stream().filter(source -> source.functionId().equals(functionId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no function " + functionId + " with an SQS event"))
                .deliverVisible();
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        eventSources.forEach(QueueEventSource::close);
        // a scheduled function in the middle of a pass finishes it: interrupting it would fail its AWS call
        // half way, and the clients close right after this
        timers.shutdown();
        server.stop(0);
        workers.shutdown();
        try {
            if (!timers.awaitTermination(10, TimeUnit.SECONDS)) {
                timers.shutdownNow();
            }
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            timers.shutdownNow();
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("unchecked")
    private void readFunctions(CloudFormationTemplate template) {
        Map<String, Object> globals = (Map<String, Object>) template.root().getOrDefault("Globals", Map.of());
        Map<String, Object> functionDefaults = (Map<String, Object>) globals.getOrDefault("Function", Map.of());
        template.resourcesOfType("AWS::Serverless::Function").forEach((id, resource) -> {
            Map<String, Object> props = CloudFormationTemplate.properties(resource);
            String handler = (String) props.get("Handler");
            String handlerClass = handler.contains("::") ? handler.substring(0, handler.indexOf("::")) : handler;
            int memory = Integer.parseInt(String.valueOf(props.getOrDefault("MemorySize",
                    functionDefaults.getOrDefault("MemorySize", "512"))));
            int timeout = Integer.parseInt(String.valueOf(props.getOrDefault("Timeout",
                    functionDefaults.getOrDefault("Timeout", "3"))));
            Map<String, Map<String, Object>> events = (Map<String, Map<String, Object>>) props.getOrDefault("Events", Map.of());
            events.values().stream().filter(e -> "HttpApi".equals(e.get("Type"))).forEach(event -> {
                Map<String, Object> p = (Map<String, Object>) event.get("Properties");
                String method = ((String) p.get("Method")).toUpperCase(Locale.ROOT);
                String path = (String) p.get("Path");
                routes.put(method + " " + path, new Route(method, path, id, handlerClass, memory, timeout));
            });
            events.values().stream().filter(e -> "Schedule".equals(e.get("Type"))).forEach(event -> {
                Map<String, Object> p = (Map<String, Object>) event.get("Properties");
                schedules.add(new Schedule(id, handlerClass, String.valueOf(p.get("Schedule"))));
            });
            events.values().stream().filter(e -> "SQS".equals(e.get("Type"))).forEach(event -> {
                Map<String, Object> p = (Map<String, Object>) event.get("Properties");
                queueEvents.add(new QueueEvent(id, handlerClass, ProvisionedStack.referencedId(p.get("Queue")),
                        Integer.parseInt(String.valueOf(p.getOrDefault("BatchSize", "10"))), timeout));
            });
        });
    }

    private static RequestHandler<?, ?> instantiate(String className, ControlPlane plane) {
        try {
            return (RequestHandler<?, ?>) Class.forName(className).getConstructor(ControlPlane.class).newInstance(plane);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("template handler " + className
                    + " cannot be built with a ControlPlane: " + e, e);
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = exchange.getRequestURI().getRawPath();
            Route route = match(method, path);
            if (route == null) {
                respond(exchange, 404, "{\"message\":\"Not Found\"}");
                return;
            }
            byte[] body = readBounded(exchange.getRequestBody());
            if (body == null) {
                respond(exchange, 413, "{\"message\":\"Request Entity Too Large\"}");
                return;
            }
            Map<String, String> pathParameters = pathParameters(route.path(), path);
            APIGatewayV2HTTPResponse response;
            try {
                @SuppressWarnings("unchecked")
                var handler = (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) handlers.get(route.functionId());
                response = handler.handleRequest(toEvent(exchange, route, body, pathParameters),
                        LocalLambdaContext.forInvocation(route.functionId(), route.memoryMb(), route.timeoutSeconds()));
            } catch (RuntimeException e) {
                // as Lambda reports an unhandled error: one line locally, the function answers 500
                System.err.println(route.functionId() + " failed: " + e);
                respond(exchange, 500, "{\"message\":\"Internal Server Error\"}");
                return;
            }
            if (response.getHeaders() != null) {
                response.getHeaders().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            }
            byte[] out = response.getBody() == null ? new byte[0]
                    : response.getIsBase64Encoded() ? Base64.getDecoder().decode(response.getBody())
                    : response.getBody().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(response.getStatusCode(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
        }
    }

    /** The route whose path template ({@code /runs/{runId}/cancel}) matches, as API Gateway would pick it. */
    private Route match(String method, String path) {
        Route exact = routes.get(method + " " + path);
        if (exact != null) {
            return exact;
        }
        return routes.values().stream().filter(r -> r.method().equals(method) && pathParameters(r.path(), path) != null)
                .findFirst().orElse(null);
    }

    /** {@code {name}} segments of the template bound to the path's segments, or null if they do not match. */
    static Map<String, String> pathParameters(String template, String path) {
        Map<String, String> parameters = new HashMap<>();
        int greedy = template.indexOf("{proxy+}");
        if (greedy >= 0) {
            // API Gateway's greedy variable: the rest of the path, slashes and all
            String fixed = template.substring(0, greedy);
            if (!path.startsWith(fixed)) {
                return null;
            }
            parameters.put("proxy", java.net.URLDecoder.decode(path.substring(fixed.length()), StandardCharsets.UTF_8));
            return parameters;
        }
        String[] want = template.split("/", -1);
        String[] got = path.split("/", -1);
        if (want.length != got.length) {
            return null;
        }
        for (int i = 0; i < want.length; i++) {
            if (want[i].startsWith("{") && want[i].endsWith("}") && !got[i].isEmpty()) {
                parameters.put(want[i].substring(1, want[i].length() - 1),
                        java.net.URLDecoder.decode(got[i], java.nio.charset.StandardCharsets.UTF_8));
            } else if (!want[i].equals(got[i])) {
                return null;
            }
        }
        return parameters;
    }

    private static APIGatewayV2HTTPEvent toEvent(HttpExchange exchange, Route route, byte[] body,
                                                 Map<String, String> pathParameters) {
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
        String text = utf8OrNull(body);
        String rawQuery = exchange.getRequestURI().getRawQuery();
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(route.method() + " " + route.path())
                .withRawPath(exchange.getRequestURI().getRawPath())
                .withRawQueryString(rawQuery == null ? "" : rawQuery)
                .withQueryStringParameters(queryParameters(rawQuery))
                .withHeaders(headers)
                .withPathParameters(pathParameters.isEmpty() ? null : pathParameters)
                .withBody(text != null ? text : Base64.getEncoder().encodeToString(body))
                .withIsBase64Encoded(text == null)
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRouteKey(route.method() + " " + route.path())
                        .withTimeEpoch(Instant.now().toEpochMilli())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(route.method()).withPath(route.path())
                                .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress())
                                .build())
                        .build())
                .build();
    }

    /** The query's parameters, decoded; a repeated name's values joined by commas, as API Gateway does. */
    static Map<String, String> queryParameters(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        Map<String, String> parameters = new java.util.LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            parameters.merge(name, value, (a, b) -> a + "," + b);
        }
        return parameters;
    }

    /** Text bodies pass as they are; anything that is not valid UTF-8 is base64-encoded, as API Gateway does. */
    private static String utf8OrNull(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] readBounded(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_REQUEST_BYTES + 1);
        return body.length > MAX_REQUEST_BYTES ? null : body;
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] out = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        exchange.sendResponseHeaders(status, out.length);
        exchange.getResponseBody().write(out);
    }

    /** The routes served, as {@code METHOD /path}, for messages and tests. */
    public List<String> routeKeys() {
        return routes.keySet().stream().sorted().toList();
    }
}
