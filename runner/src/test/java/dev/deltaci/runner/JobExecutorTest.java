package dev.deltaci.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.deltaci.api.CompleteReply;
import dev.deltaci.api.HeartbeatReply;
import dev.deltaci.api.JobTicket;
import dev.deltaci.api.LeaseReply;
import dev.deltaci.api.LeaseTerms;
import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.LogReply;
import dev.deltaci.api.Presence;
import dev.deltaci.api.PresenceReply;
import dev.deltaci.api.WireJson;
import dev.deltaci.core.job.FailureClass;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The executor against a stub runner API on loopback, with a real git repository and real processes. */
class JobExecutorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer api;
    private final List<JsonNode> logCalls = new CopyOnWriteArrayList<>();
    /** action → HTTP status the stub answers with */
    private volatile Function<String, Integer> status = action -> 200;
    private Path repo;
    private String sha;
    private Path workRoot;
    private java.time.Duration storageOutageLimit = java.time.Duration.ofMinutes(5);

    @BeforeEach
    void start() throws Exception {
        api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        api.createContext("/runner/", exchange -> {
            String action = exchange.getRequestURI().getPath().substring("/runner/".length());
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            int code = status.apply(action);
            if (action.equals("logs") && code == 200) {
                logCalls.add(body);
            }
            byte[] out = answer(action, code, body).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(code, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        api.start();
        repo = Files.createTempDirectory("delta-exec-repo-");
        Files.writeString(repo.resolve("hello.txt"), "from the repository\n");
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "c");
        sha = git(repo, "rev-parse", "HEAD").strip();
        workRoot = Files.createTempDirectory("delta-exec-work-");
    }

    /** What the control plane answers: the call's own outcome, lease_lost on 403, an error otherwise. */
    private static String answer(String action, int code, JsonNode body) {
        if (code == 403) {
            return WireJson.write(new LeaseLost("stub"));
        }
        if (code != 200) {
            return "{\"error\":\"stub\"}";
        }
        return WireJson.write(switch (action) {
            case "heartbeat" -> new HeartbeatReply.Renewed(System.currentTimeMillis() + 30_000, null);
            case "logs" -> new LogReply.Stored(body.path("seq").asInt());
            case "complete" -> new CompleteReply.Accepted("SUCCEEDED");
            default -> new PresenceReply.Recorded("runner-1", Presence.IDLE);
        });
    }

    @AfterEach
    void stop() {
        api.stop(0);
        Workspace.deleteTree(repo);
        Workspace.deleteTree(workRoot);
    }

    @Test
    void aPrivateRepository_shouldBeClonedWithTheCheckoutTokenAsAHeader_thatNoStepCanFind() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(GitOverHttp.available(), "git http-backend is not installed");
        String token = "ghs_privateCheckoutToken123";
        String header = "Authorization: basic " + java.util.Base64.getEncoder()
                .encodeToString(("x-access-token:" + token).getBytes(StandardCharsets.UTF_8));
        Path seen = Files.createTempDirectory("delta-exec-seen-");
        try (GitOverHttp github = new GitOverHttp(repo.getParent(), header.substring("Authorization: ".length()))) {
            // what a step can reach: the checkout's git config, its own environment, its command line
            LeasedJob job = withCheckout(job(10_000, 30_000, "cp .git/config " + seen + "/config && env > " + seen
                    + "/env && cat /proc/$$/cmdline > " + seen + "/cmdline && cat hello.txt"),
                    github.url(repo.getFileName().toString()), token);

            JobExecutor.Result result = run(executor(), job);

            assertThat(result).as(shippedLog()).isInstanceOf(JobExecutor.Result.Report.class);
            assertThat(reported(result).failureClass()).as(shippedLog()).isNull();
            assertThat(shippedLog()).contains("from the repository");
            assertThat(github.authorizations).contains(header.substring("Authorization: ".length()));
            for (String file : List.of("config", "env", "cmdline")) {
                assertThat(Files.readString(seen.resolve(file))).as(file).doesNotContain(token)
                        .doesNotContain(header.substring("Authorization: basic ".length()));
            }
            assertThat(Files.readString(seen.resolve("config"))).contains(github.url(repo.getFileName().toString()));
            assertThat(shippedLog()).doesNotContain(token);
        } finally {
            Workspace.deleteTree(seen);
        }
    }

    @Test
    void aPrivateRepository_withoutAToken_shouldFailTheCheckoutAtOnce_asAnInfrastructureError() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(GitOverHttp.available(), "git http-backend is not installed");
        try (GitOverHttp github = new GitOverHttp(repo.getParent(), "basic nobody-has-this")) {
            LeasedJob job = withCheckout(job(10_000, 30_000, "echo should not run"),
                    github.url(repo.getFileName().toString()), null);

            JobExecutor.Result result = run(executor(), job);

            assertThat(reported(result).failureClass()).isEqualTo(FailureClass.INFRA_ERROR);
            assertThat(shippedLog()).contains("checkout failed").doesNotContain("should not run");
        }
    }

    private static LeasedJob withCheckout(LeasedJob job, String cloneUrl, String token) {
        return new LeasedJob(job.runId(), job.jobKey(), job.name(), job.attempt(), job.epoch(), job.startedAtEpochMs(),
                job.heartbeatIntervalMs(), job.leaseTtlMs(), cloneUrl, job.sha(), job.ref(), job.env(), job.timeoutMinutes(),
                job.steps(), job.repository(), job.event(), job.matrix(), job.artifacts(), job.downloads(), job.inputs(),
                job.image(), job.secrets(), job.secretsNote(), token);
    }

    private LeasedJob job(long heartbeatMs, long ttlMs, String... steps) {
        return new LeasedJob("r-1", "build", "build", 1, 1, 1000, heartbeatMs, ttlMs, repo.toString(), sha,
                "refs/heads/main", Map.of("FROM_PIPELINE", "yes"), 5,
                java.util.Arrays.stream(steps).map(s -> LeasedJob.Step.run(s, s)).toList(), "t/repo", "push", Map.of("os", "linux"));
    }

    private JobExecutor executor() {
        return new JobExecutor(new RunnerApiClient(URI.create("http://127.0.0.1:" + api.getAddress().getPort()), "me"),
                workRoot, 500, 100, storageOutageLimit);
    }

    /**
     * Runs the job as the agent would, and takes the log's held-back last chunk as the control
     * plane takes it from the completion: as one more stored chunk.
     */
    private JobExecutor.Result run(JobExecutor executor, LeasedJob job) {
        JobExecutor.Result result = executor.run(job);
        if (result instanceof JobExecutor.Result.Report report && report.lastLog() != null) {
            logCalls.add(JSON.createObjectNode().put("seq", report.lastLog().seq()).put("text", report.lastLog().text())
                    .put("epoch", job.epoch()).put("via", "complete"));
        }
        return result;
    }

    private String shippedLog() {
        StringBuilder all = new StringBuilder();
        logCalls.stream().sorted((a, b) -> a.get("seq").asInt() - b.get("seq").asInt())
                .forEach(c -> all.append(c.get("text").asText()));
        return all.toString();
    }

    @Test
    void run_shouldStopAtTheFailingStep_andShipItsOutput() {
        JobExecutor.Result result = run(executor(), job(10_000, 30_000,
                "cat hello.txt && echo \"env says $FROM_PIPELINE\"", "echo broken >&2; exit 3", "echo unreachable"));

        assertThat(reported(result)).extracting("exitCode", "failureClass", "logChunks")
                .containsExactly(3, FailureClass.SCRIPT_FAILURE, logCalls.size());
        assertThat(shippedLog()).contains("from the repository", "env says yes", "broken", "step 2 exited 3")
                .doesNotContain("\nunreachable");
        assertThat(logCalls).extracting(c -> c.get("epoch").asLong()).containsOnly(1L);
        assertThat(workRoot).as("the workspace waits for its clean-up, after the report").isNotEmptyDirectory();
        executor().cleanUp(job(10_000, 30_000));
        assertThat(workRoot).isEmptyDirectory();
    }

    @Test
    void run_shouldKillTheStepAndReportNothing_whenHeartbeatSaysTheLeaseIsLost() {
        status = action -> action.equals("heartbeat") ? 403 : 200;
        long started = System.nanoTime();

        JobExecutor.Result result = run(executor(), job(200, 30_000, "sleep 30"));

        assertThat(result).isInstanceOf(JobExecutor.Result.LeaseLost.class);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void run_shouldFenceItself_whenTheControlPlaneCannotBeReachedBeforeTheLeaseExpires() {
        status = action -> action.equals("heartbeat") ? 503 : 200;
        long started = System.nanoTime();

        JobExecutor.Result result = run(executor(), job(200, 900, "sleep 30"));

        assertThat(result).isInstanceOf(JobExecutor.Result.LeaseLost.class);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void run_shouldReportInfraError_whenTheCommitCannotBeCheckedOut() {
        LeasedJob missing = new LeasedJob("r-1", "build", "build", 1, 1, 1000, 10_000, 30_000, repo.resolve("nope").toString(),
                sha, "refs/heads/main", Map.of(), 5, List.of(LeasedJob.Step.run("x", "true")), "t/repo", "push", Map.of("os", "linux"));

        JobExecutor.Result result = run(executor(), missing);

        assertThat(result).isInstanceOf(JobExecutor.Result.Report.class);
        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.INFRA_ERROR);
        assertThat(shippedLog()).contains("checkout failed");
    }

    @Test
    void run_shouldExplainAndFailAsInfraError_whenTheJobNeedsAnImageAndThisRunnerHasNoDocker() {
        LeasedJob base = job(10_000, 30_000, "echo should not run");
        LeasedJob withImage = new LeasedJob(base.runId(), base.jobKey(), base.name(), base.attempt(), base.epoch(),
                base.startedAtEpochMs(), base.heartbeatIntervalMs(), base.leaseTtlMs(), base.cloneUrl(), base.sha(),
                base.ref(), base.env(), base.timeoutMinutes(), base.steps(), base.repository(), base.event(),
                Map.of("node", "20"), List.of(), List.of(), Map.of(), "node:${{ matrix.node }}-alpine", Map.of(), null, null);
        java.util.Map<String, String> noDocker = new java.util.HashMap<>(StepProcess.stepEnvironment(base, workRoot));
        org.junit.jupiter.api.Assumptions.assumeTrue(ContainerStep.dockerProblem(noDocker).isPresent(),
                "this machine has Docker: the no-Docker path cannot be shown here");

        JobExecutor.Result result = run(executor(), withImage);

        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.INFRA_ERROR);
        assertThat(shippedLog()).contains("the job runs in image node:20-alpine, but this runner cannot run containers: ")
                .contains("--labels docker").doesNotContain("should not run\n");
    }

    /** A Docker CLI double: records each call with its environment, answers as a daemon would. */
    private static final class DockerDouble implements ServiceContainers.Docker {
        final List<List<String>> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Map<String, String>> envs = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.function.Function<List<String>, Result> answer;

        DockerDouble(java.util.function.Function<List<String>, Result> answer) {
            this.answer = answer;
        }

        @Override
        public Result run(List<String> args, Map<String, String> env) {
            calls.add(args);
            envs.add(env);
            return answer.apply(args);
        }

        List<String> verbs() {
            return calls.stream().map(c -> c.get(0).equals("network") ? "network " + c.get(1) : c.get(0)).toList();
        }
    }

    private static LeasedJob withServices(LeasedJob job, List<LeasedJob.Service> services, Map<String, String> secrets) {
        return new LeasedJob(job.runId(), job.jobKey(), job.name(), job.attempt(), job.epoch(), job.startedAtEpochMs(),
                job.heartbeatIntervalMs(), job.leaseTtlMs(), job.cloneUrl(), job.sha(), job.ref(), job.env(),
                job.timeoutMinutes(), job.steps(), job.repository(), job.event(), job.matrix(), job.artifacts(),
                job.downloads(), job.inputs(), job.image(), secrets, null, null, Map.of(), Map.of(), Map.of(), Map.of(),
                services, true);
    }

    private static final LeasedJob.Service POSTGRES = new LeasedJob.Service("postgres", "postgres:16",
            Map.of("POSTGRES_PASSWORD", "${{ secrets.DB_PASSWORD }}"), List.of("5432"),
            List.of("--health-cmd", "pg_isready", "--health-interval=1s"));

    @Test
    void services_shouldStartOnTheJobsNetwork_beWaitedForUntilHealthy_andBeRemovedWhenTheJobEnds() {
        int[] inspections = {0};
        DockerDouble docker = new DockerDouble(args -> switch (args.get(0)) {
            case "run" -> new ServiceContainers.Docker.Result(0, "c0ffee");
            case "port" -> new ServiceContainers.Docker.Result(0, "0.0.0.0:49153\n[::]:49153");
            case "inspect" -> new ServiceContainers.Docker.Result(0, ++inspections[0] < 2 ? "starting" : "healthy");
            default -> new ServiceContainers.Docker.Result(0, "");
        });
        LeasedJob job = withServices(job(10_000, 30_000,
                "echo \"postgres on ${{ job.services.postgres.ports['5432'] }}\""), List.of(POSTGRES),
                Map.of("DB_PASSWORD", "hunter2-secret"));

        JobExecutor.Result result = run(executor().withDocker(docker), job);

        assertThat(reported(result).failureClass()).as(shippedLog()).isNull();
        assertThat(docker.verbs()).containsExactly("version", "network create", "run", "port", "inspect", "inspect", "rm",
                "network rm");
        String network = docker.calls.get(1).get(2);
        assertThat(docker.calls.get(2)).containsExactly("run", "--detach", "--name", network.replace("-net", "-svc-postgres"),
                "--network", network, "--network-alias", "postgres", "--env", "POSTGRES_PASSWORD", "--publish", "5432",
                "--health-cmd", "pg_isready", "--health-interval=1s", "postgres:16");
        // the secret reaches Docker through its environment, never its command line
        assertThat(docker.envs.get(2)).containsEntry("POSTGRES_PASSWORD", "hunter2-secret");
        assertThat(docker.calls.toString()).doesNotContain("hunter2-secret");
        assertThat(shippedLog()).contains("service postgres is healthy").contains("postgres on 49153");
        assertThat(docker.calls.get(6)).containsExactly("rm", "--force", "--volumes", network.replace("-net", "-svc-postgres"));
    }

    @Test
    void anUnhealthyService_shouldFailTheJobWithItsLog_andStillBeRemoved() {
        DockerDouble docker = new DockerDouble(args -> switch (args.get(0)) {
            case "run" -> new ServiceContainers.Docker.Result(0, "c0ffee");
            case "inspect" -> new ServiceContainers.Docker.Result(0, "unhealthy");
            case "logs" -> new ServiceContainers.Docker.Result(0, "FATAL: password authentication failed");
            default -> new ServiceContainers.Docker.Result(0, "0.0.0.0:1");
        });
        JobExecutor.Result result = run(executor().withDocker(docker), withServices(job(10_000, 30_000, "echo never"),
                List.of(POSTGRES), Map.of()));

        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.SCRIPT_FAILURE);
        assertThat(shippedLog()).contains("postgres: FATAL: password authentication failed")
                .contains("service 'postgres' is unhealthy").doesNotContain("never\n");
        assertThat(docker.verbs()).endsWith("rm", "network rm");
    }

    @Test
    void services_onARunnerWithoutDocker_shouldFailNamingTheJobAndItsServices_forARunnerThatHasIt() {
        DockerDouble docker = new DockerDouble(args -> new ServiceContainers.Docker.Result(1,
                "Cannot connect to the Docker daemon at unix:///var/run/docker.sock"));
        JobExecutor.Result result = run(executor().withDocker(docker), withServices(job(10_000, 30_000, "echo never"),
                List.of(POSTGRES, new LeasedJob.Service("redis", "redis:7", Map.of(), List.of(), List.of())), Map.of()));

        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.INFRA_ERROR);
        assertThat(shippedLog()).contains("job 'build' has services (postgres, redis), which need Docker, and this runner "
                + "cannot run containers: 'docker version' failed: Cannot connect to the Docker daemon")
                .contains("--labels docker").doesNotContain("never\n");
        assertThat(docker.verbs()).containsExactly("version");
    }

    @Test
    void stop_shouldEndTheRunningStep_andReportAnInfraErrorForAnotherRunner() throws Exception {
        JobExecutor executor = executor();
        var running = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> run(executor, job(10_000, 30_000, "sleep 30", "echo never")));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> shippedLog().contains("step 1/2"));
        long stopped = System.nanoTime();

        executor.stop();
        JobExecutor.Result result = running.get(20, java.util.concurrent.TimeUnit.SECONDS);

        assertThat((System.nanoTime() - stopped) / 1_000_000).isLessThan(5_000);
        assertThat(result).isInstanceOf(JobExecutor.Result.Report.class);
        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.INFRA_ERROR);
        assertThat(shippedLog()).contains("the runner is shutting down").doesNotContain("step 2/2");
    }

    @Test
    void logStoreOutageShorterThanTheLimit_shouldLoseNoLine_andNotFailTheJob() {
        long outageEnds = System.nanoTime() + 3_000_000_000L;
        status = action -> action.equals("logs") && System.nanoTime() < outageEnds ? 503 : 200;

        JobExecutor.Result result = run(executor(), job(10_000, 30_000,
                "for i in 1 2 3 4 5 6; do echo line-$i; sleep 0.5; done"));

        assertThat(reported(result).failureClass()).isNull();
        assertThat(reported(result).logChunks()).isEqualTo(logCalls.size());
        assertThat(shippedLog()).contains("line-1\n", "line-2\n", "line-3\n", "line-4\n", "line-5\n", "line-6\n",
                "step 1 exited 0");
        assertThat(logCalls).extracting(c -> c.get("seq").asInt())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, logCalls.size()).boxed().toList());
    }

    @Test
    void logStoreOutageLongerThanTheLimit_shouldFailTheJobAsInfraError_notPassWithAGap() {
        storageOutageLimit = java.time.Duration.ofSeconds(2);
        status = action -> action.equals("logs") ? 503 : 200;

        // the first chunk goes while the step sleeps (flushes are 100 ms apart): only the last is held back
        JobExecutor.Result result = run(executor(), job(10_000, 30_000, "echo first; sleep 0.5; echo done"));

        assertThat(result).isInstanceOf(JobExecutor.Result.Report.class);
        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.INFRA_ERROR);
        assertThat(reported(result).logChunks()).isZero();
        assertThat(reported(result).lastLog()).as("nothing held back once the log store failed").isNull();
    }

    @Test
    void aLastChunkTheCompletionCouldNotTake_goesAlone_underTheSameOutageRules() {
        JobExecutor.Result.Report held = (JobExecutor.Result.Report) executor().run(job(10_000, 30_000, "echo done"));
        assertThat(held.lastLog()).isNotNull();
        assertThat(logCalls).as("the only chunk waits for the completion").isEmpty();

        JobExecutor.Result.Report alone = held.lastLogSentAlone();

        assertThat(alone.lastLog()).isNull();
        assertThat(alone.failureClass()).isNull();
        assertThat(alone.logChunks()).isEqualTo(1).isEqualTo(logCalls.size());
        assertThat(shippedLog()).contains("step 1 exited 0");

        storageOutageLimit = java.time.Duration.ofSeconds(1);
        status = action -> action.equals("logs") ? 503 : 200;
        JobExecutor.Result.Report failing = (JobExecutor.Result.Report) executor().run(job(10_000, 30_000, "echo done"));
        JobExecutor.Result.Report gap = failing.lastLogSentAlone();
        assertThat(gap.failureClass()).as("a log with a gap is no success").isEqualTo(FailureClass.INFRA_ERROR);
        assertThat(gap.logChunks()).isZero();
    }

    @Test
    void anOlderControlPlane_thatDoesNotTakeTheLastChunk_getsEveryChunkOnItsOwn() {
        // its lease answer has no completionTakesLastLog: the wire default is false
        LeaseTerms older = new LeaseTerms(1, System.currentTimeMillis() + 30_000, System.currentTimeMillis(), 30_000,
                10_000);
        JobTicket ticket = new JobTicket("r-1", "build", "build", 1, repo.toUri().toString(), sha, "refs/heads/main",
                "t/repo", "push", Map.of(), Map.of(), 5,
                List.of(new JobTicket.Step("s", false, "echo done", "bash", Map.of(), null, 0, false, null)), List.of(),
                Map.of(), null, List.of(), Map.of(), null, null);

        JobExecutor.Result result = executor().run(LeasedJob.fromLeaseAnswer(new LeaseReply.Leased(older, ticket)));

        assertThat(reported(result).lastLog()).isNull();
        assertThat(reported(result).failureClass()).isNull();
        assertThat(reported(result).logChunks()).isEqualTo(logCalls.size()).isPositive();
        assertThat(shippedLog()).contains("step 1 exited 0");
    }

    @Test
    void containerCommand_shouldMountTheWorkspaceAndScript_andPassVariablesByNameOnly() {
        List<String> command = ContainerStep.command("node:20", "delta-r-1-build-e1-s1", Path.of("/w/ws"),
                Path.of("/w/ws.step1"), "app", List.of("PATH", "HOME", "SECRET_TOKEN", "CI"), "sh", Path.of("/w/ws.files"));

        assertThat(command).containsExactly("docker", "run", "--rm", "--init", "--name", "delta-r-1-build-e1-s1",
                "-v", "/w/ws:/workspace", "-v", "/w/ws.step1:/delta/step:ro", "-v", "/w/ws.files:/w/ws.files",
                "-w", "/workspace/app",
                "-e", "CI", "-e", "SECRET_TOKEN", "--env", "DELTA_WORKSPACE=/workspace",
                "node:20", "sh", "-e", "/delta/step");
        assertThat(ContainerStep.name(job(1, 1, "x"), 0)).isEqualTo("delta-r-1-build-e1-s1");
    }

    private static LeasedJob.Step step(String run, String shell, Map<String, String> env, String directory,
                                       long timeoutMillis, boolean continueOnError) {
        return new LeasedJob.Step(run, false, run, shell, env, directory, timeoutMillis, continueOnError, null);
    }

    private LeasedJob jobOf(LeasedJob.Step... steps) {
        return new LeasedJob("r-1", "build", "build", 1, 1, 1000, 10_000, 30_000, repo.toString(), sha,
                "refs/heads/main", Map.of("FROM_PIPELINE", "yes"), 5, List.of(steps), "t/repo", "push", Map.of("os", "linux"));
    }

    @Test
    void run_shouldHonourStepShellEnvDirectoryAndContinueOnError() throws Exception {
        Files.createDirectories(repo.resolve("sub"));
        Files.writeString(repo.resolve("sub/inner.txt"), "inner\n");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "sub");
        sha = git(repo, "rev-parse", "HEAD").strip();

        JobExecutor.Result result = run(executor(), jobOf(
                new LeasedJob.Step("checkout", true, null, "bash", Map.of(), null, 0, false, null),
                step("cat inner.txt; echo \"step says $ONLY_HERE, job says $FROM_PIPELINE\"", "bash",
                        Map.of("ONLY_HERE", "hi"), "sub", 0, false),
                step("echo from sh; exit 5", "sh", Map.of(), null, 0, true),
                step("import os; print('python sees', os.environ['DELTA_JOB'])", "python", Map.of(), null, 0, false)));

        assertThat(reported(result)).extracting("exitCode", "failureClass", "logChunks")
                .containsExactly(0, null, logCalls.size());
        assertThat(shippedLog()).contains("checkout is built in", "inner", "step says hi, job says yes", "from sh",
                "step 3 exited 5", "continue-on-error: the job goes on", "python sees build");
    }

    @Test
    void aShellTheRunnerLacks_shouldFailTheStepSayingSo_asAScriptFailureNotAnInfraRetry() {
        // the first goes on (continue-on-error), so the second, a custom shell, is tried too
        JobExecutor.Result result = run(executor(), jobOf(step("dir", "cmd", Map.of(), null, 0, true),
                step("echo custom ran", "no-such-shell-here {0}", Map.of(), null, 0, false)));

        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.SCRIPT_FAILURE);
        assertThat(reported(result).exitCode()).isEqualTo(127);
        assertThat(shippedLog()).contains("cannot start the step's shell 'cmd'")
                .contains("'cmd' is Windows' shell: run the job on a Windows runner, e.g. runs-on: windows-latest")
                .contains("cannot start the step's shell 'no-such-shell-here'").doesNotContain("\ncustom ran\n");
    }

    @Test
    void jobOutputs_shouldBeReported_butOnePastTheLimitLeftOutSayingSo() {
        LeasedJob base = job(10_000, 30_000, "echo \"v=7\" >> \"$GITHUB_OUTPUT\"");
        LeasedJob.Step withId = new LeasedJob.Step(base.steps().get(0).name(), false, base.steps().get(0).run(), "bash",
                Map.of(), null, 0, false, null, "s");
        LeasedJob job = new LeasedJob(base.runId(), base.jobKey(), base.name(), base.attempt(), base.epoch(),
                base.startedAtEpochMs(), base.heartbeatIntervalMs(), base.leaseTtlMs(), base.cloneUrl(), base.sha(),
                base.ref(), base.env(), base.timeoutMinutes(), List.of(withId), base.repository(), base.event(),
                base.matrix(), List.of(), List.of(), Map.of(), null, Map.of(), null, null, Map.of(), Map.of(), Map.of(),
                new java.util.LinkedHashMap<>(Map.of("version", "${{ steps.s.outputs.v }}",
                        "huge", "x".repeat(dev.deltaci.api.CompleteRequest.MAX_OUTPUT_BYTES))), List.of(), true);

        JobExecutor.Result result = run(executor(), job);

        assertThat(reported(result).failureClass()).as(shippedLog()).isNull();
        assertThat(reported(result).outputs()).isEqualTo(Map.of("version", "7"));
        assertThat(shippedLog()).contains("output 'huge' left out: the job's outputs would pass 65536 bytes");
    }

    @Test
    void run_shouldStopAStepPastItsOwnTimeout_andFailTheJobAsTimeout() {
        long started = System.nanoTime();

        JobExecutor.Result result = run(executor(), jobOf(step("sleep 30", "bash", Map.of(), null, 500, false),
                step("echo unreachable", "bash", Map.of(), null, 0, false)));

        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.TIMEOUT);
        assertThat(reported(result).exitCode()).isEqualTo(124);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
        assertThat(shippedLog()).contains("exceeded its timeout").doesNotContain("\nunreachable");
    }

    @Test
    void run_shouldFailTheStep_whenItsWorkingDirectoryDoesNotExist() {
        JobExecutor.Result result = run(executor(), jobOf(step("true", "bash", Map.of(), "missing", 0, false)));

        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.SCRIPT_FAILURE);
        assertThat(shippedLog()).contains("working-directory 'missing' does not exist");
    }

    private static LeasedJob.Step when(String condition, String run) {
        return new LeasedJob.Step(run, false, run, "bash", Map.of(), null, 0, false, condition);
    }

    @Test
    void stepConditions_shouldRunFailureAndAlwaysStepsAfterAFailure_andSkipTheRest() {
        JobExecutor.Result result = run(executor(), jobOf(
                step("echo \"building ${{ delta.job }} on ${{ delta.branch }} (attempt ${{ delta.attempt }})\"", "bash",
                        Map.of("WHERE", "${{ delta.ref }}"), null, 0, false),
                step("echo \"where=$WHERE\"; exit 4", "bash", Map.of("WHERE", "${{ delta.ref }}"), null, 0, false),
                when(null, "echo skipped-by-default"),
                when("failure()", "echo cleanup after failure"),
                when("always()", "echo always runs"),
                when("success()", "echo not after a failure"),
                when("delta.branch == 'main' && env.FROM_PIPELINE == 'yes'", "echo not either, success is implied")));

        assertThat(reported(result).failureClass()).isEqualTo(FailureClass.SCRIPT_FAILURE);
        assertThat(reported(result).exitCode()).isEqualTo(4);
        assertThat(shippedLog()).contains("building build on main (attempt 1)", "where=refs/heads/main",
                "cleanup after failure", "always runs", "skipped: if: success() is false")
                .doesNotContain("\nskipped-by-default\n", "\nnot after a failure\n", "\nnot either");
    }

    @Test
    void stepEnvironment_shouldPassOnlyTheAllowListAndDeltaVariables() {
        assertThat(System.getenv("AWS_SECRET_ACCESS_KEY")).as("set by surefire for this test").isNotNull();

        Map<String, String> env = StepProcess.stepEnvironment(job(1, 1, "true"), workRoot);

        assertThat(env).doesNotContainKey("AWS_SECRET_ACCESS_KEY");
        assertThat(env.keySet()).allMatch(name -> StepProcess.PASSED_THROUGH.contains(name)
                || name.startsWith("DELTA") || name.equals("CI") || name.equals("FROM_PIPELINE")
                || StepProcess.GITHUB_VARIABLES.containsKey(name) || name.equals("GITHUB_WORKSPACE") || name.startsWith("RUNNER_"));
        assertThat(env).containsEntry("CI", "true").containsEntry("DELTA_SHA", sha).containsEntry("FROM_PIPELINE", "yes");
    }

    private static String git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    /** The report of a job that ended with one (failing the test when the lease was lost instead). */
    private static JobExecutor.Result.Report reported(JobExecutor.Result result) {
        assertThat(result).isInstanceOf(JobExecutor.Result.Report.class);
        return (JobExecutor.Result.Report) result;
    }
}
