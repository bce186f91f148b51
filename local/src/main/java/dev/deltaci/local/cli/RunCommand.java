package dev.deltaci.local.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.deltaci.core.job.FailureClass;
import dev.deltaci.functions.security.HashedTokens;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.ProcessFleet;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.api.ControlApiClient;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.stack.EmbeddedStack;
import dev.deltaci.local.stack.ExternalStack;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code delta run}: one real run through the whole control plane on the embedded stack —
 * a signed push webhook, the webhook function, DynamoDB, SQS, runner processes and S3.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a repository's .delta/pipeline.yml (without one, each of its .github/workflows that runs on "
                + "a push) end to end on the embedded AWS stack.", "",
                "Boots dynalite, ElasticMQ and S3Proxy, hosts the functions on a loopback port, starts runner "
                        + "processes and sends a signed GitHub push webhook for the commit. A directory that is not "
                        + "the top of a git repository (such as examples/hello) is copied into a throwaway commit first."},
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:the run succeeded (or the push matched no 'on:' filter, so nothing ran)",
                "1:the run failed or was cancelled",
                "2:usage error, or the pipeline file is invalid (config_error)",
                "3:Delta CI itself failed (stack did not start, run did not finish in time)"})
public class RunCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", defaultValue = ".", paramLabel = "PATH",
            description = "Repository or directory to run (default: the current directory).")
    Path path;

    @Option(names = "--ref", paramLabel = "REF", description = "Branch, tag or commit to run (git repositories only; default HEAD).")
    String ref;

    @Option(names = "--runners", paramLabel = "N", defaultValue = "2", description = "Runner processes to start, 1-16 (default: ${DEFAULT-VALUE}).")
    int runners;

    /** After the run, the pool is waited for until it is back at zero. */
    @picocli.CommandLine.Mixin
    AutoscaleOptions autoscale = new AutoscaleOptions();
    private static final Duration RUN_SCALE_IN_AFTER = Duration.ofSeconds(2);

    @Option(names = "--json", description = "Print progress to stderr and end with one JSON summary object on stdout.")
    boolean json;

    @Option(names = "--aws-endpoint", paramLabel = "URL",
            description = "Use this AWS-protocol endpoint (e.g. LocalStack at http://localhost:4566) instead of booting "
                    + "the embedded stack; the template's resources are provisioned on it.")
    URI awsEndpoint;

    @Option(names = "--secrets-file", paramLabel = "FILE",
            description = "A JSON object of secret names to values: the run's secrets (secrets.NAME). Read by the "
                    + "runner API when a job that uses them is leased; never stored.")
    Path secretsFile;

    @Option(names = "--dev", description = "Send the commit to the 'delta dev' running on --data instead of starting "
            + "a stack of its own, and follow the run there (it stays in delta dev's history and dashboard).")
    boolean toDev;

    @Option(names = "--data", paramLabel = "DIR", description = "With --dev: the data directory of that delta dev "
            + "(default: ~/.delta/dev).")
    Path data;

    @Option(names = "--wait-minutes", paramLabel = "M", defaultValue = "120",
            description = "Give up waiting for the run after this long (default: ${DEFAULT-VALUE}).")
    int waitMinutes;

    @Override
    public Integer call() throws Exception {
        PrintWriter progress = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        if (data != null && !toDev) {
            return usage("--data goes with --dev");
        }
        if (toDev) {
            return onDev(progress);
        }
        if (runners < 1 || runners > 16) {
            return usage("--runners must be from 1 to 16, got " + runners);
        }
        Optional<String> autoscaleProblem = autoscale.problem(spec.commandLine().getParseResult().hasMatchedOption("--runners"));
        if (autoscaleProblem.isPresent()) {
            return usage(autoscaleProblem.get());
        }
        if (secretsFile != null) {
            try {
                var secrets = new ObjectMapper().readTree(Files.readString(secretsFile));
                if (secrets == null || !secrets.isObject()) {
                    return usage("--secrets-file " + secretsFile + " must hold a JSON object of secret names to values");
                }
            } catch (java.io.IOException e) {
                return usage("--secrets-file " + secretsFile + ": " + e.getMessage());
            }
        }
        LocalRepository repo;
        try {
            repo = LocalRepository.resolve(path, ref);
        } catch (LocalRepository.RepositoryException e) {
            return usage(e.getMessage());
        }
        long began = System.nanoTime();
        try (repo) {
            if (repo.warning() != null) {
                progress.println("warning: " + repo.warning());
            }
            progress.println(awsEndpoint == null ? "▸ starting the embedded AWS stack (dynalite, ElasticMQ, S3Proxy)…"
                    : "▸ provisioning the template on " + awsEndpoint + "…");
            long stackBegan = System.nanoTime();
            AwsStack stack;
            try {
                stack = awsEndpoint == null ? EmbeddedStack.start(null) : ExternalStack.connect(awsEndpoint);
            } catch (RuntimeException e) {
                spec.commandLine().getErr().println("error: the AWS stack is not usable: " + e.getMessage());
                return ExitCodes.INTERNAL;
            }
            long stackMillis = Duration.ofNanos(System.nanoTime() - stackBegan).toMillis();
            Path workDir = Files.createTempDirectory("delta-run-");
            String secret = HashedTokens.newSecret(32);
            ProcessFleet fleet = autoscale.fleet(progress);
            LocalControlPlane.Options options = autoscale.applyTo(options(secret, repo), fleet, RUN_SCALE_IN_AFTER);
            // closed in reverse: the runners, then the functions (the scaler's last pass finishes), then the fleet
            try (stack;
                 ProcessFleet autoscaled = fleet;
                 LocalControlPlane plane = new LocalControlPlane(stack, options);
                 RunnerPool pool = RunnerPool.start(fleet == null ? runners : 0, plane.runnerTarget(), workDir)) {
                if (autoscaled != null) {
                    autoscaled.attach(RunnerPool.start(0, plane.runnerTarget(), workDir.resolve("autoscaled")));
                }
                progress.printf("▸ stack ready in %d ms; functions on %s; %s; building %s at %s%n",
                        stackMillis, plane.apiUrl(), fleet == null ? runners + " runner(s)"
                                : "autoscaling 0-" + autoscale.max + " runner(s)", repo.name(), repo.sha().substring(0, 12));
                return execute(repo, new Endpoint(plane.apiUrl(), plane.apiKey(), secret), progress, began, stackMillis,
                        autoscaled);
            } finally {
                dev.deltaci.local.TempTrees.deleteQuietly(workDir);
            }
        }
    }

    /** The local control plane's options: the webhook secret, and the secrets file for this repository. */
    private LocalControlPlane.Options options(String webhookSecret, LocalRepository repo) throws java.io.IOException {
        LocalControlPlane.Options options = LocalControlPlane.Options.defaults(webhookSecret);
        if (secretsFile == null) {
            return options;
        }
        JsonNode secrets = new ObjectMapper().readTree(Files.readString(secretsFile)); // checked in call()
        return options.withEnvironment(Map.of("JOB_SECRETS", new ObjectMapper().writeValueAsString(
                Map.of(repo.name(), secrets))));
    }

    /**
     * {@code --dev}: the commit goes to the running {@code delta dev} (its API, key and webhook secret
     * from its data directory), which keeps the run; this follows it as any client would.
     */
    private int onDev(PrintWriter progress) throws Exception {
        List<String> standalone = java.util.stream.Stream.of("--runners", "--autoscale", "--scale-in-after",
                "--aws-endpoint", "--secrets-file").filter(spec.commandLine().getParseResult()::hasMatchedOption).toList();
        if (!standalone.isEmpty()) {
            return usage(String.join(", ", standalone) + " configure a stack of its own; with --dev, delta dev's "
                    + "runners and secrets are used (set them when starting delta dev)");
        }
        Path dataDir = (data == null ? DevState.defaultDataDir() : data).toAbsolutePath();
        Optional<DevState> state;
        try {
            state = DevState.read(dataDir);
        } catch (java.io.IOException e) {
            return usage("cannot read " + dataDir.resolve(DevState.FILE) + ": " + e.getMessage());
        }
        if (state.isEmpty() || state.get().apiUrl() == null) {
            return usage("no delta dev is running on " + dataDir + "; start one with './delta dev"
                    + (data == null ? "" : " --data " + data) + "'");
        }
        LocalRepository repo;
        try {
            // a directory that is not a git repository is committed into a snapshot kept beside delta dev's data,
            // so that its runs can be rerun later; beside, not in it: runners clone it, and steps see the URL
            repo = LocalRepository.resolve(path, ref, dataDir.resolveSibling(dataDir.getFileName() + "-snapshots"));
        } catch (LocalRepository.RepositoryException e) {
            return usage(e.getMessage());
        }
        try (repo) {
            if (repo.warning() != null) {
                progress.println("warning: " + repo.warning());
            }
            URI url = URI.create(state.get().apiUrl());
            progress.printf("▸ sending %s at %s to delta dev at %s (dashboard %s)%n", repo.name(),
                    repo.sha().substring(0, 12), url, url.resolve("/ui/"));
            return execute(repo, new Endpoint(url, state.get().apiKey(), state.get().webhookSecret()), progress,
                    System.nanoTime(), 0, null);
        }
    }

    /** Where the run is asked for: the control plane's API, its key and its webhook secret. */
    protected record Endpoint(URI apiUrl, String apiKey, String webhookSecret) {
    }

    /** How a run was asked for: the answer's status and body, and what to call the request in progress lines. */
    protected record Request(int status, String body, String description) {
    }

    /** Asks the control plane for the run: a signed push webhook for the commit. */
    protected Request requestRun(LocalRepository repo, Endpoint endpoint) throws Exception {
        GitHubPush.Delivery delivery = GitHubPush.send(endpoint.apiUrl(), endpoint.webhookSecret(), GitHubPush.payload(repo));
        return new Request(delivery.status(), delivery.body(), "push webhook " + delivery.deliveryId());
    }

    private int execute(LocalRepository repo, Endpoint endpoint, PrintWriter progress,
                        long began, long stackMillis, ProcessFleet fleet) throws Exception {
        Request delivery = requestRun(repo, endpoint);
        JsonNode answer = new ObjectMapper().readTree(delivery.body());
        if (delivery.status() == 202 && answer.has("ignored")) {
            // the pipeline's 'on:' filters do not take this push: nothing runs, and that is not an error
            progress.println("▸ nothing to run: " + answer.get("ignored").asText());
            if (json) {
                spec.commandLine().getOut().println(JSON.writeValueAsString(java.util.Map.of("status", "NOT_TRIGGERED",
                        "reason", answer.get("ignored").asText())));
            }
            return ExitCodes.SUCCEEDED;
        }
        if (delivery.status() >= 400 && delivery.status() < 500 && answer.has("error")) {
            // the request itself was refused (e.g. invalid inputs): the caller's to fix
            spec.commandLine().getErr().println("error: " + answer.get("error").asText());
            return ExitCodes.USAGE_OR_CONFIG;
        }
        if (delivery.status() >= 300 || !answer.has("runId")) {
            spec.commandLine().getErr().println("error: the request was refused (" + delivery.status() + "): " + delivery.body());
            return ExitCodes.INTERNAL;
        }
        // a repository of workflows starts a run per workflow that runs on the event: each is followed
        List<JsonNode> started = answer.path("runs").isEmpty() ? List.of(answer) : toList(answer.path("runs"));
        List<String> runIds = started.stream().map(r -> r.path("runId").asText()).toList();
        ControlApiClient api = new ControlApiClient(endpoint.apiUrl(), endpoint.apiKey());
        List<JsonNode> views = new java.util.ArrayList<>();
        for (JsonNode one : started) {
            // the control API key is this process's alone: it is never printed (progress ends up in CI logs)
            progress.println("▸ run " + one.path("runId").asText() + (one.hasNonNull("workflow")
                    ? " (" + one.get("workflow").asText() + ")" : "") + " created by " + delivery.description()
                    + " (Ctrl-C cancels it)");
        }
        for (String runId : runIds) {
            RunWatcher watcher = new RunWatcher(api, progress);
            Optional<JsonNode> finished;
            try (Interrupts interrupts = Interrupts.onFirst(() -> runIds.forEach(id -> cancel(api, id, progress)))) {
                finished = watcher.follow(runId, Duration.ofMinutes(waitMinutes));
            } catch (java.io.IOException | ControlApiClient.ApiError e) {
                spec.commandLine().getErr().println("error: lost the control API while following run " + runId + ": "
                        + e.getMessage());
                return ExitCodes.INTERNAL;
            }
            if (finished.isEmpty()) {
                spec.commandLine().getErr().println("error: run " + runId + " did not finish within " + waitMinutes + " minutes");
                return ExitCodes.INTERNAL;
            }
            views.add(finished.get());
        }
        long wallMillis = Duration.ofNanos(System.nanoTime() - began).toMillis();
        views.forEach(view -> printOutcome(view, progress, wallMillis));
        ProcessFleet.Stats scaled = fleet == null ? null : awaitScaleIn(fleet, progress);
        JsonNode view = views.get(0);
        if (json && views.size() > 1) {
            // one object per run, under "runs": a repository of workflows
            spec.commandLine().getOut().println(JSON.writeValueAsString(Map.of("runs",
                    views.stream().map(v -> RunSummary.of(v, wallMillis)).toList())));
            spec.commandLine().getOut().flush();
        } else if (json) {
            Map<String, Object> summary = RunSummary.of(view, wallMillis);
            summary.put("stackStartMillis", stackMillis);
            if (scaled != null) {
                Map<String, Object> pool = new java.util.LinkedHashMap<>();
                pool.put("max", autoscale.max);
                pool.put("started", scaled.started());
                pool.put("stopped", scaled.stopped());
                pool.put("peak", scaled.peak());
                pool.put("restarted", scaled.restarted());
                pool.put("running", scaled.running());
                summary.put("autoscale", pool);
            }
            spec.commandLine().getOut().println(JSON.writeValueAsString(summary));
            spec.commandLine().getOut().flush();
        }
        if (views.stream().anyMatch(v -> FailureClass.CONFIG_ERROR.wireName().equals(v.path("run").path("failureClass").asText()))) {
            return ExitCodes.USAGE_OR_CONFIG;
        }
        return views.stream().allMatch(v -> v.path("run").path("status").asText().equals("SUCCEEDED"))
                ? ExitCodes.SUCCEEDED : ExitCodes.RUN_FAILED;
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> items = new java.util.ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    /** After the run: the scaler drains and stops the idle runners; this waits until none is left. */
    private ProcessFleet.Stats awaitScaleIn(ProcessFleet fleet, PrintWriter progress) throws InterruptedException {
        progress.println("▸ waiting for the pool to scale in (idle runners are drained, then stopped)…");
        progress.flush();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).plus(autoscale.scaleInAfter(RUN_SCALE_IN_AFTER)).toNanos();
        ProcessFleet.Stats stats = fleet.stats();
        while (stats.running() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(250);
            stats = fleet.stats();
        }
        progress.printf("▸ pool %s: %d runner(s) started, %d stopped, peak %d%s%n",
                stats.running() == 0 ? "scaled in to 0" : "still has " + stats.running() + " runner(s) after 60 s",
                stats.started(), stats.stopped(), stats.peak(),
                stats.restarted() == 0 ? "" : ", " + stats.restarted() + " restarted after dying");
        return stats;
    }

    /**
     * The first Ctrl-C: cancel the run through the control API, as {@code delta cancel} would. The
     * watcher goes on until the run has ended (its running steps get their stop grace period),
     * then the command exits 1 as for any cancelled run. A second Ctrl-C exits at once.
     */
    private static void cancel(ControlApiClient api, String runId, PrintWriter progress) {
        progress.println("▸ interrupted: cancelling run " + runId + " (Ctrl-C again to quit at once)…");
        try {
            api.cancel(runId, System.getProperty("user.name", "local").replaceAll("[^\\p{L}\\p{N} ._@-]", "_")
                    + " (Ctrl-C)");
        } catch (java.io.IOException | ControlApiClient.ApiError e) {
            progress.println("▸ could not cancel run " + runId + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void printOutcome(JsonNode view, PrintWriter out, long wallMillis) {
        JsonNode run = view.path("run");
        if (run.hasNonNull("message")) {
            out.println(run.get("message").asText());
        }
        if (run.hasNonNull("cancelledBy")) {
            out.println("cancelled by " + run.get("cancelledBy").asText());
        }
        out.printf("▸ run %s %s in %.1f s%n", run.path("runId").asText(), run.path("status").asText(), wallMillis / 1000.0);
        for (JsonNode job : view.path("jobs")) {
            String detail = job.hasNonNull("reason") ? job.get("reason").asText()
                    : !job.hasNonNull("exitCode") ? "" : "exit " + job.get("exitCode").asInt()
                    + (job.hasNonNull("failureClass") ? ", " + job.get("failureClass").asText() : "");
            out.printf("    %-10s %s%s%n", job.path("state").asText(), job.path("name").asText(),
                    detail.isEmpty() ? "" : "  (" + detail + ")");
            if (job.path("attempts").size() > 1) {
                job.path("attempts").forEach(a -> out.println("               " + RunWatcher.describe(a)));
            }
        }
    }

    protected int usage(String message) {
        spec.commandLine().getErr().println("error: " + message);
        spec.commandLine().getErr().println("see 'delta " + spec.name() + " --help'");
        return ExitCodes.USAGE_OR_CONFIG;
    }
}
