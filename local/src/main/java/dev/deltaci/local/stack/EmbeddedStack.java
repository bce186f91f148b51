package dev.deltaci.local.stack;

import dev.deltaci.local.DeltaHome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/**
 * Real AWS-protocol servers on free loopback ports, no Docker: dynalite (DynamoDB, a Node.js
 * child process), ElasticMQ (SQS) and S3Proxy (S3) in this JVM. Provisioned from
 * {@code infra/template.yaml}.
 *
 * <p>Nothing outlives it: the in-JVM servers die with the JVM, and dynalite exits when its
 * stdin closes, which the OS does when this JVM dies, however it dies.
 */
public final class EmbeddedStack implements AwsStack {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ELASTICMQ_STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path dataDir;
    private volatile Process dynalite;
    private volatile SQSRestServer elasticMq;
    private volatile S3Side s3;
    private final AwsEndpoints endpoints;
    private final ProvisionedStack resources;
    private final Map<String, Long> startPhasesMillis;

    private EmbeddedStack(Path dataDir, Process dynalite, SQSRestServer elasticMq, S3Side s3, AwsEndpoints endpoints,
                          ProvisionedStack resources, Map<String, Long> startPhasesMillis) {
        this.dataDir = dataDir;
        this.dynalite = dynalite;
        this.elasticMq = elasticMq;
        this.s3 = s3;
        this.endpoints = endpoints;
        this.resources = resources;
        this.startPhasesMillis = startPhasesMillis;
    }

    private static boolean causedByBindFailure(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof java.net.BindException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Starts the three servers and provisions the template.
     *
     * @param dataDir where dynalite and S3Proxy keep state across restarts, or null for memory only
     */
    public static EmbeddedStack start(Path dataDir) {
        long began = System.nanoTime();
        List<AutoCloseable> started = new ArrayList<>();
        Map<String, Long> phases = new ConcurrentHashMap<>();
        // S3Proxy (Jetty, jclouds) loads its classes on another thread while ElasticMQ (Pekko) loads
        // on this one: on a cold JVM, class loading is most of the start-up time
        CompletableFuture<S3Side> s3Side = CompletableFuture.supplyAsync(() -> {
            S3Side side = S3Side.start(dataDir);
            phases.put("s3proxy", lap(began));
            return side;
        });
        try {
            Process dynalite = startDynalite(dataDir, 0);
            started.add(dynalite::destroy);

            int sqsPort = 0;
            SQSRestServer elasticMq = null;
            for (int attempt = 1; elasticMq == null; attempt++) {
                // a port found free can be taken before ElasticMQ binds it (other stacks start in parallel)
                sqsPort = freePort();
                SQSRestServer candidate = startElasticMq(sqsPort);
                try {
                    candidate.waitUntilStarted();
                    elasticMq = candidate;
                } catch (RuntimeException e) {
                    try {
                        candidate.stopAndWait();
                    } catch (RuntimeException alsoFailed) {
                        // it never started: stopping rethrows the start failure
                    }
                    if (attempt == 3 || !causedByBindFailure(e)) {
                        throw e;
                    }
                }
            }
            started.add(elasticMq::stopAndWait);
            phases.put("elasticmq", lap(began));

            S3Side s3 = joinS3Side(s3Side);
            started.add(s3::close);
            int dynamoPort = readPort(dynalite);
            phases.put("dynalite", lap(began));

            AwsEndpoints endpoints = new AwsEndpoints(URI.create("http://127.0.0.1:" + dynamoPort),
                    URI.create("http://127.0.0.1:" + sqsPort), URI.create("http://127.0.0.1:" + s3.proxy().getPort()),
                    AwsEndpoints.LOCAL_REGION, "local", "local");
            ProvisionedStack resources = Provisioner.provision(endpoints);
            phases.put("provisioned", lap(began));
            return new EmbeddedStack(dataDir, dynalite, elasticMq, s3, endpoints, resources, inOrder(phases));
        } catch (Exception e) {
            if (started.stream().noneMatch(c -> c instanceof S3Side)) {
                s3Side.thenAccept(S3Side::close); // it may still be starting; stop it once it has
            }
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception suppressed) {
                    if (suppressed != e) { // a server that failed to start rethrows its failure on close
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException("embedded stack failed to start: "
                    + e.getMessage(), e);
        }
    }

    /** S3Proxy and the blob store behind it. */
    private record S3Side(BlobStoreContext blobStore, S3Proxy proxy) implements AutoCloseable {

        static S3Side start(Path dataDir) {
            BlobStoreContext blobStore = null;
            try {
                blobStore = blobStoreContext(dataDir);
                return new S3Side(blobStore, startProxy(blobStore, 0));
            } catch (Exception e) {
                if (blobStore != null) {
                    blobStore.close();
                }
                throw new IllegalStateException("S3Proxy did not start: " + e.getMessage(), e);
            }
        }

        private static S3Proxy startProxy(BlobStoreContext blobStore, int port) throws Exception {
            S3Proxy proxy = S3Proxy.builder().blobStore(blobStore.getBlobStore())
                    .endpoint(URI.create("http://127.0.0.1:" + port))
                    // requests are checked as S3 checks them, so a presigned URL works only as signed
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "local", "local")
                    .ignoreUnknownHeaders(true)
                    .build();
            proxy.start();
            waitUntil(() -> "STARTED".equals(proxy.getState()), "S3Proxy");
            return proxy;
        }

        S3Side restarted(int port) {
            try {
                return new S3Side(blobStore, startProxy(blobStore, port));
            } catch (Exception e) {
                throw new IllegalStateException("S3Proxy did not come back on port " + port + ": " + e.getMessage(), e);
            }
        }

        void stopProxy() {
            try {
                proxy.stop();
            } catch (Exception e) {
                System.err.println("S3Proxy did not stop cleanly: " + e.getMessage());
            }
        }

        @Override
        public void close() {
            stopProxy();
            blobStore.close();
        }
    }

    private static S3Side joinS3Side(CompletableFuture<S3Side> future) {
        try {
            return future.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private static Map<String, Long> inOrder(Map<String, Long> phases) {
        Map<String, Long> ordered = new LinkedHashMap<>();
        phases.entrySet().stream().sorted(Map.Entry.comparingByValue())
                .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return java.util.Collections.unmodifiableMap(ordered);
    }

    private static long lap(long began) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
    }

    /** Milliseconds from the call to {@link #start} until the provisioned stack was ready. */
    public long startMillis() {
        return startPhasesMillis.get("provisioned");
    }

    /** When each part was up, in milliseconds since the call to {@link #start}. */
    public Map<String, Long> startPhasesMillis() {
        return startPhasesMillis;
    }

    /** The dynalite child process, for tests that restart or kill it. */
    public ProcessHandle dynaliteProcess() {
        return dynalite.toHandle();
    }

    /**
     * Stops dynalite and starts it again on the same port. With a data directory its tables
     * and items survive (as DynamoDB's would); without one they are lost.
     */
    public synchronized void restartDynalite() {
        stopDynamoDb();
        startDynamoDb();
    }

    /** An outage of DynamoDB: dynalite stops; {@link #startDynamoDb()} brings it back on the same port. */
    public synchronized void stopDynamoDb() {
        stopDynalite();
    }

    /** The end of a DynamoDB outage. With a data directory the tables and items are as they were. */
    public synchronized void startDynamoDb() {
        int port = endpoints.dynamodb().getPort();
        try {
            Process next = startDynalite(dataDir, port);
            readPort(next);
            dynalite = next;
        } catch (IOException e) {
            throw new UncheckedIOException("dynalite did not come back on port " + port, e);
        }
    }

    /** An outage of S3: S3Proxy stops; the objects stay in its blob store for {@link #startS3()}. */
    public synchronized void stopS3() {
        s3.stopProxy();
    }

    /** The end of an S3 outage: S3Proxy serves the same blob store on the same port again. */
    public synchronized void startS3() {
        s3 = s3.restarted(endpoints.s3().getPort());
    }

    /**
     * Stops ElasticMQ and starts it again on the same port. Its messages are in memory: they are
     * lost, as in an outage that loses a queue, and the queues are created again from the template.
     */
    public synchronized void restartElasticMq() {
        stopElasticMq(elasticMq);
        elasticMq = startElasticMq(endpoints.sqs().getPort());
        elasticMq.waitUntilStarted();
        Provisioner.provision(endpoints);
    }

    /**
     * Stops ElasticMQ, waiting at most {@link #ELASTICMQ_STOP_TIMEOUT}: its own stopAndWait can
     * hang for a minute (seen once in a full build, while closing after runners had gone), and a
     * stack that is going away should not hold a test or a command hostage.
     */
    private static void stopElasticMq(SQSRestServer server) {
        try {
            scala.concurrent.Await.result(server.stopAndGetFuture().apply(),
                    scala.concurrent.duration.Duration.create(ELASTICMQ_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.err.println("ElasticMQ did not stop cleanly within " + ELASTICMQ_STOP_TIMEOUT.toSeconds() + " s ("
                    + e.getClass().getSimpleName() + "); going on");
        }
    }

    private static SQSRestServer startElasticMq(int port) {
        return SQSRestServerBuilder.withPort(port).withInterface("127.0.0.1")
                .withServerAddress(new NodeAddress("http", "127.0.0.1", port, ""))
                .withAWSRegion(AwsEndpoints.LOCAL_REGION).start();
    }

    @Override
    public AwsEndpoints endpoints() {
        return endpoints;
    }

    @Override
    public ProvisionedStack resources() {
        return resources;
    }

    @Override
    public String kind() {
        return "embedded";
    }

    @Override
    public void close() {
        s3.close();
        stopElasticMq(elasticMq);
        stopDynalite();
    }

    private void stopDynalite() {
        Process process = dynalite;
        try {
            process.getOutputStream().close();
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static Process startDynalite(Path dataDir, int port) throws IOException {
        Path home = DeltaHome.locate();
        Path script = home.resolve("local/src/main/node/dynalite-child.js");
        if (!Files.isDirectory(home.resolve("local/node_modules/dynalite"))) {
            throw new IllegalStateException("dynalite is not installed: run 'npm ci --prefix " + home.resolve("local")
                    + "' (the delta launcher and .ci/run do this)");
        }
        List<String> command = new ArrayList<>(List.of("node", script.toString(), "--port", Integer.toString(port)));
        if (dataDir != null) {
            Path dynamoDir = dataDir.resolve("dynamodb");
            Files.createDirectories(dynamoDir);
            command.addAll(List.of("--path", dynamoDir.toString()));
        }
        // stdin stays a pipe from us: when this JVM dies, the pipe closes and dynalite exits
        // and in a session of its own, so that Ctrl-C on the CLI does not stop it before the run is cancelled
        return new ProcessBuilder(dev.deltaci.local.host.OwnSession.of(command))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static int readPort(Process dynalite) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(dynalite.getInputStream(), StandardCharsets.UTF_8));
        String line = reader.readLine();
        if (line == null || !line.startsWith("port ")) {
            throw new IOException("dynalite did not start (said: " + line + "); is Node.js >= 18 installed?");
        }
        // keep draining its stdout so it can never block on a full pipe
        Thread drain = new Thread(() -> {
            try {
                while (reader.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "dynalite-stdout");
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(line.substring("port ".length()).strip());
    }

    private static BlobStoreContext blobStoreContext(Path dataDir) throws IOException {
        if (dataDir == null) {
            return ContextBuilder.newBuilder("transient").credentials("local", "local").build(BlobStoreContext.class);
        }
        Path blobs = dataDir.resolve("s3");
        Files.createDirectories(blobs);
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("jclouds.filesystem.basedir", blobs.toString());
        return ContextBuilder.newBuilder("filesystem").credentials("local", "local").overrides(properties)
                .build(BlobStoreContext.class);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier ready, String what) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!ready.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not start within " + START_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
    }
}
