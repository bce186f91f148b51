package dev.deltaci.local.cli;

import dev.deltaci.functions.github.GitHubApp;
import dev.deltaci.functions.github.GitHubAppSecret;
import dev.deltaci.functions.github.GitHubHttp;
import dev.deltaci.functions.security.HashedTokens;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.ProcessFleet;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.stack.EmbeddedStack;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code delta dev}: a long-running local control plane for contributors and single-node
 * evaluation. State (DynamoDB tables, logs and artifacts) and credentials live in the data
 * directory and survive restarts; the queue does not, and the sweeper re-sends the messages of
 * queued jobs from DynamoDB, as it would after losing a queue in the cloud.
 */
@Command(name = "dev", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a local Delta CI control plane until interrupted (Ctrl-C).", "",
                "The embedded stack (dynalite, ElasticMQ, S3Proxy) keeps tables, logs and artifacts in the data "
                        + "directory across restarts; the functions listen on the port, with GET /metrics "
                        + "(Prometheus text) and GET /health; the sweeper and scheduler run every second; "
                        + "runner processes are started and replaced when they die. The dashboard is at /ui/; 'delta runs', "
                        + "'delta show', 'delta logs', 'delta status' read it and 'delta run PATH --dev' sends it work."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:stopped by an interrupt (Ctrl-C or SIGTERM)",
                "2:usage error (bad option, port taken, data directory not writable)",
                "3:Delta CI itself failed to start (stack did not start)"})
public class DevCommand implements Callable<Integer> {

    /** Queued jobs whose messages a restart lost are re-sent this soon (the cloud waits 180 s). */
    static final String RECONCILE_AFTER_SECONDS = "15";

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "P", defaultValue = "8787",
            description = "Loopback port of the functions, /metrics and /health (default: ${DEFAULT-VALUE}; 0: any free port).")
    int port;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Where state and credentials are kept (default: ~/.delta/dev).")
    Path data;

    @Option(names = "--runners", paramLabel = "N", defaultValue = "2",
            description = "Runner processes to keep running, 0-16 (default: ${DEFAULT-VALUE}).")
    int runners;

    @picocli.CommandLine.Mixin
    AutoscaleOptions autoscale = new AutoscaleOptions();
    private static final Duration DEV_SCALE_IN_AFTER = Duration.ofSeconds(60);

    @Option(names = "--labels", split = ",", paramLabel = "LABEL",
            description = "Labels of the runners it starts, comma-separated.")
    java.util.List<String> labels = java.util.List.of();

    @Option(names = "--github-app", paramLabel = "FILE",
            description = "Be a GitHub App: FILE is JSON {\"appId\": N, \"privateKey\": \"-----BEGIN ...\", "
                    + "\"webhookSecret\": \"...\"}. Deliveries are then checked with its webhook secret and "
                    + "pipelines of https:// repositories read over the API as the App.")
    Path githubApp;

    @Option(names = "--github-api-url", paramLabel = "URL",
            description = "GitHub's REST API for --github-app (default: https://api.github.com; GitHub Enterprise "
                    + "Server: https://HOST/api/v3; or a test double).")
    java.net.URI githubApiUrl;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> environment = new java.util.HashMap<>(Map.of("RECONCILE_AFTER_SECONDS", RECONCILE_AFTER_SECONDS));
        if (githubApiUrl != null && githubApp == null) {
            err.println("error: --github-api-url goes with --github-app FILE");
            return ExitCodes.USAGE_OR_CONFIG;
        }
        if (githubApp != null) {
            try {
                GitHubAppSecret app = GitHubAppSecret.parse(Files.readString(githubApp));
                out.println("▸ as GitHub App " + app.appId() + " against "
                        + (githubApiUrl == null ? GitHubHttp.PUBLIC_API : githubApiUrl));
            } catch (java.io.IOException | IllegalArgumentException e) {
                err.println("error: --github-app " + githubApp + ": " + (e instanceof java.io.IOException
                        ? "cannot read it (" + e.getMessage() + ")" : e.getMessage()));
                return ExitCodes.USAGE_OR_CONFIG;
            }
            environment.put(GitHubApp.SECRET_FILE, githubApp.toAbsolutePath().toString());
            if (githubApiUrl != null) {
                environment.put(GitHubApp.API_URL, githubApiUrl.toString());
            }
        }
        if (runners < 0 || runners > 16) {
            err.println("error: --runners must be from 0 to 16, got " + runners);
            return ExitCodes.USAGE_OR_CONFIG;
        }
        java.util.Optional<String> autoscaleProblem = autoscale.problem(
                spec.commandLine().getParseResult().hasMatchedOption("--runners"));
        if (autoscaleProblem.isEmpty() && autoscale.enabled() && !labels.isEmpty()) {
            autoscaleProblem = java.util.Optional.of("the autoscaled pool's runners have no labels; leave out --labels with --autoscale");
        }
        if (autoscaleProblem.isPresent()) {
            err.println("error: " + autoscaleProblem.get());
            return ExitCodes.USAGE_OR_CONFIG;
        }
        if (port < 0 || port > 65535) {
            err.println("error: --port must be from 0 to 65535, got " + port);
            return ExitCodes.USAGE_OR_CONFIG;
        }
        Path dataDir = (data == null ? DevState.defaultDataDir() : data).toAbsolutePath();
        DevState state;
        try {
            Files.createDirectories(dataDir);
            // the owner's alone: tables, logs, artifacts and the credentials in dev.json
            Files.setPosixFilePermissions(dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            state = DevState.read(dataDir).orElse(null);
            if (state != null && state.pid() != null && ProcessHandle.of(state.pid()).map(ProcessHandle::isAlive).orElse(false)) {
                err.println("error: delta dev (pid " + state.pid() + ") is already running on " + dataDir
                        + " at " + state.apiUrl() + "; stop it first or use another --data");
                return ExitCodes.USAGE_OR_CONFIG;
            }
            if (state == null) {
                state = DevState.fresh(HashedTokens.newSecret(32));
            }
            state.write(dataDir);
        } catch (java.io.IOException e) {
            err.println("error: data directory " + dataDir + " is not usable: " + e.getMessage());
            return ExitCodes.USAGE_OR_CONFIG;
        }

        out.println("▸ starting the embedded AWS stack with state in " + dataDir + "…");
        out.flush();
        EmbeddedStack stack;
        try {
            stack = EmbeddedStack.start(dataDir.resolve("stack"));
        } catch (RuntimeException e) {
            err.println("error: the embedded stack did not start: " + e.getMessage());
            return ExitCodes.INTERNAL;
        }
        LocalControlPlane plane;
        ProcessFleet fleet = autoscale.fleet(out);
        try {
            plane = new LocalControlPlane(stack, autoscale.applyTo(LocalControlPlane.Options.defaults(state.webhookSecret())
                    .withPort(port).withCredentials(state.credentials())
                    .withEnvironment(environment), fleet, DEV_SCALE_IN_AFTER));
        } catch (java.net.BindException e) {
            stack.close();
            err.println("error: port " + port + " is taken; choose another with --port");
            return ExitCodes.USAGE_OR_CONFIG;
        }
        // runner workspaces (and the runners' logs) live outside the data directory: a step that walks up
        // from its workspace must not come upon dev.json or the stack's files
        Path workDir = Files.createTempDirectory("delta-dev-runners-");
        RunnerPool pool = RunnerPool.start(0, plane.runnerTarget(), workDir);
        int staticRunners = fleet == null ? runners : 0;
        for (int i = 0; i < staticRunners; i++) {
            pool.add(labels);
        }
        if (fleet != null) {
            fleet.attach(RunnerPool.start(0, plane.runnerTarget(), workDir.resolve("autoscaled")));
        }
        DevState running = state.running(plane.apiUrl().toString(), ProcessHandle.current().pid());
        running.write(dataDir);

        CountDownLatch stopped = new CountDownLatch(1);
        Thread shutdown = new Thread(() -> {
            out.println("▸ stopping: runners, functions, stack (state stays in " + dataDir + ")");
            out.flush();
            pool.close();
            // the functions first: the scaler's last pass finishes before its runner processes go
            plane.close();
            if (fleet != null) {
                fleet.close();
            }
            dev.deltaci.local.TempTrees.deleteQuietly(workDir);
            stack.close();
            try {
                running.stopped().write(dataDir);
            } catch (java.io.IOException e) {
                err.println("warning: could not update " + dataDir.resolve(DevState.FILE) + ": " + e.getMessage());
            }
            stopped.countDown();
        }, "delta-dev-stop");
        Runtime.getRuntime().addShutdownHook(shutdown);

        out.printf("▸ Delta CI dev is up (stack %d ms)%n", stack.startMillis());
        out.println("  API         " + plane.apiUrl() + "  (webhooks: /webhooks/github, runner API: /runner/*, control: /runs, /status)");
        out.println("  dashboard   " + plane.apiUrl().resolve("/ui/") + "  (sign in with the API key in "
                + dataDir.resolve(DevState.FILE) + ")");
        out.println("  metrics     " + plane.apiUrl().resolve("/metrics") + "   health " + plane.apiUrl().resolve("/health"));
        out.println("  runners     " + (fleet == null ? runners + (labels.isEmpty() ? "" : " " + labels)
                : "autoscaled, 0-" + autoscale.max + " (idle ones stop after "
                + autoscale.scaleInAfter(DEV_SCALE_IN_AFTER).toSeconds() + " s)")
                + ", workspaces and logs in " + workDir);
        out.println("  credentials " + dataDir.resolve(DevState.FILE) + " (API key, webhook secret, registration token)");
        String onData = data == null ? "" : " --data " + dataDir;
        out.println("  try         ./delta run examples/hello --dev" + onData + "    ./delta runs" + onData
                + "    ./delta status" + onData);
        out.flush();
        // replace runners that died (disposable runners: a killed one is simply replaced)
        while (stopped.getCount() > 0) {
            int replaced = pool.replaceDead();
            if (replaced > 0) {
                out.println("▸ replaced " + replaced + " runner(s) that exited");
                out.flush();
            }
            stopped.await(Duration.ofSeconds(2).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return 0;
    }
}
