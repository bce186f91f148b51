package dev.deltaci.runner;

import dev.deltaci.core.expr.Evaluator;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.ExpressionParser;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.expr.Template;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one leased job: checkout into a fresh workspace, the steps in order with a scrubbed
 * environment, logs streamed as they come, the lease renewed every heartbeat interval. If the
 * lease is lost, or cannot be renewed before it would expire, the job is stopped and nothing is
 * reported as complete: another runner may already own it.
 */
final class JobExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(JobExecutor.class);

    /** What the runner's own environment may pass to steps; everything else (credentials!) is dropped. */
    static final List<String> PASSED_THROUGH = List.of("PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "TMPDIR",
            "JAVA_HOME", "MAVEN_OPTS");

    /** How a job ended on this runner: with an outcome to report, or with the lease lost (nothing to report). */
    sealed interface Result {

        /**
         * What the runner reports: {@code failureClass} null for a success, and the SHA-256 of the
         * artifact archive it uploaded (null when it kept none).
         */
        record Report(int exitCode, String failureClass, int logChunks, String artifactSha256) implements Result {
            Report(int exitCode, String failureClass, int logChunks) {
                this(exitCode, failureClass, logChunks, null);
            }
        }

        /** The lease was lost (another runner may own the job now): the job was stopped and is not reported. */
        record LeaseLost(String reason) implements Result {
        }
    }

    /** What keeping the artifacts came to: the archive's SHA-256, or why the job fails and how. */
    private record Kept(String sha256, String failureClass, String problem) {
        static Kept stored(String sha256) {
            return new Kept(sha256, null, null);
        }

        static Kept failed(String failureClass, String problem) {
            return new Kept(null, failureClass, problem);
        }
    }

    private final RunnerApiClient api;
    private final Path workRoot;
    private final long killGraceMs;
    private final long logFlushMs;
    private final Duration storageOutageLimit;
    /** Who steps run as; null: as the runner's own user (a laptop). */
    private final JobUser jobUser;
    private volatile LeaseKeeper current;
    private volatile boolean stopping;

    /** The failure class a job stopped by its runner's shutdown ends with: retried elsewhere at once. */
    static final String RUNNER_STOPPING = "infra_error";

    /**
     * @param storageOutageLimit how long the log and artifact store may be unavailable before the
     *                           job gives up as an infrastructure error; meanwhile logs wait in
     *                           memory and uploads are retried
     */
    JobExecutor(RunnerApiClient api, Path workRoot, long killGraceMs, long logFlushMs, Duration storageOutageLimit) {
        this(api, workRoot, killGraceMs, logFlushMs, storageOutageLimit, null);
    }

    /** @param jobUser the unprivileged user steps run as, or null to run them as the runner's user */
    JobExecutor(RunnerApiClient api, Path workRoot, long killGraceMs, long logFlushMs, Duration storageOutageLimit,
                JobUser jobUser) {
        this.jobUser = jobUser;
        if (jobUser != null) {
            try {
                JobUser.closeWorkRoot(workRoot);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot prepare the work root " + workRoot, e);
            }
        }
        this.api = api;
        this.workRoot = workRoot;
        this.killGraceMs = killGraceMs;
        this.logFlushMs = logFlushMs;
        this.storageOutageLimit = storageOutageLimit;
    }

    Result run(LeasedJob leased) {
        LeasedJob job = withRenderedEnv(leased);
        Path workspace = workRoot.resolve(job.runId() + "-" + job.jobKey() + "-e" + job.epoch());
        LeaseKeeper fence = new LeaseKeeper(api, job);
        current = fence;
        if (stopping) {
            fence.stop(RUNNER_STOPPING);
        }
        LogStreamer log = new LogStreamer(api, job, logFlushMs, storageOutageLimit,
                () -> fence.lose("log upload refused: lease lost"));
        fence.start();
        int exitCode = 0;
        String failureClass = null;
        try {
            log.line("::delta:: job " + job.name() + " (attempt " + job.attempt() + ", epoch " + job.epoch() + ")");
            if (job.secretsNote() != null) {
                log.line("::delta:: secrets: " + job.secretsNote());
            }
            String checkoutError = checkout(job, workspace, log);
            if (checkoutError != null) {
                log.line("::delta:: checkout failed: " + checkoutError);
                return finish(log, fence, -1, "infra_error", workspace);
            }
            String downloadError = unpackDownloads(job, workspace, log);
            if (downloadError != null) {
                log.line("::delta:: " + downloadError);
                return finish(log, fence, -1, "infra_error", workspace);
            }
            if (jobUser != null) {
                handOver(workspace);
            }
            String image = null;
            if (job.image() != null) {
                image = containerImage(job, log);
                if (image == null) {
                    return finish(log, fence, -1, "infra_error", workspace);
                }
            }
            long deadlineNanos = System.nanoTime() + TimeUnit.MINUTES.toNanos(job.timeoutMinutes());
            for (int i = 0; i < job.steps().size(); i++) {
                LeasedJob.Step step = job.steps().get(i);
                // after a failure only steps whose if: asks for it (failure(), always()) still run
                Scope scope = scope(job, step.env(), failureClass != null);
                log.line("::delta:: step " + (i + 1) + "/" + job.steps().size() + ": " + displayName(step, scope));
                if (!shouldRun(step, scope, log)) {
                    continue;
                }
                LeasedJob.Step resolved;
                try {
                    resolved = render(step, scope);
                } catch (ExpressionException e) {
                    log.line("::delta:: cannot evaluate an expression of this step: " + e.getMessage());
                    exitCode = 1;
                    failureClass = "script_failure";
                    continue;
                }
                if (step.checkout()) {
                    log.line("::delta:: checkout is built in: the workspace already holds " + job.sha());
                    continue;
                }
                long started = System.nanoTime();
                long stepDeadlineNanos = step.timeoutMillis() > 0
                        ? Math.min(deadlineNanos, started + TimeUnit.MILLISECONDS.toNanos(step.timeoutMillis())) : deadlineNanos;
                Path directory = step.workingDirectory() == null ? workspace
                        : workspace.resolve(step.workingDirectory()).normalize();
                StepOutcome outcome;
                if (!directory.startsWith(workspace) || !Files.isDirectory(directory)) {
                    log.line("::delta:: working-directory '" + step.workingDirectory() + "' does not exist in the workspace");
                    outcome = StepOutcome.exited(1);
                } else {
                    outcome = runStep(job, resolved, i, workspace, directory, image, log, fence, deadlineNanos,
                            stepDeadlineNanos);
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                if (outcome == StepOutcome.FENCED) {
                    log.line("::delta:: stopped: " + fence.lostReason());
                    break;
                }
                if (outcome.kind() == StepOutcome.Kind.STOPPED) {
                    String why = fence.stopReason();
                    log.line("::delta:: stopped: " + switch (why) {
                        case "timeout" -> "the job exceeded timeout-minutes " + job.timeoutMinutes();
                        case RUNNER_STOPPING -> "the runner is shutting down; the job goes back to the queue";
                        default -> "the run was cancelled";
                    });
                    exitCode = 143;
                    failureClass = why;
                    break;
                }
                boolean stepTimedOut = outcome.kind() == StepOutcome.Kind.STEP_TIMED_OUT;
                int stepExit = stepTimedOut ? 124 : outcome.exitCode();
                log.line("::delta:: step " + (i + 1) + (stepTimedOut
                        ? " exceeded its timeout (" + step.timeoutMillis() / 1000 + " s) and was stopped"
                        : " exited " + stepExit) + " after " + millis + " ms");
                if (stepExit != 0 && step.continueOnError()) {
                    log.line("::delta:: continue-on-error: the job goes on");
                } else if (stepExit != 0 && failureClass == null) {
                    // the first failure decides how the job ends; later steps run only if they ask to
                    exitCode = stepExit;
                    failureClass = stepTimedOut ? "timeout" : "script_failure";
                }
            }
            String artifactSha256 = null;
            if (failureClass == null && !fence.isLost() && !job.artifacts().isEmpty()) {
                Kept kept = keepArtifacts(job, workspace, log);
                if (kept.problem() != null) {
                    log.line("::delta:: " + kept.problem());
                    return finish(log, fence, "script_failure".equals(kept.failureClass()) ? 1 : -1,
                            kept.failureClass(), workspace);
                }
                artifactSha256 = kept.sha256();
            }
            return finish(log, fence, exitCode, failureClass, workspace, artifactSha256);
        } catch (IOException e) {
            log.line("::delta:: runner error: " + e.getMessage());
            return finish(log, fence, -1, "infra_error", workspace);
        }
    }

    /** The job with {@code ${{ }}} in its env values replaced (they may use delta and the raw env). */
    private static LeasedJob withRenderedEnv(LeasedJob job) {
        Scope scope = scope(job, Map.of(), false);
        Map<String, String> env = new HashMap<>();
        for (Map.Entry<String, String> entry : job.env().entrySet()) {
            try {
                env.put(entry.getKey(), Template.parse(entry.getValue()).render(scope));
            } catch (ExpressionException e) {
                env.put(entry.getKey(), entry.getValue()); // checked when the pipeline was read; left as written
            }
        }
        return job.withEnv(env);
    }

    /** What a step's expressions see: delta, the env (job's, then the step's), and how the job has gone. */
    private static Scope scope(LeasedJob job, Map<String, String> stepEnv, boolean failed) {
        Map<String, Object> env = new HashMap<>(job.env());
        env.putAll(stepEnv);
        return new Scope(Map.of("delta", job.deltaContext(), "env", env, "matrix", job.matrix(), "inputs", job.inputs(),
                "secrets", job.secrets()), !failed, failed, false);
    }

    private static boolean shouldRun(LeasedJob.Step step, Scope scope, LogStreamer log) {
        String condition = step.condition() == null ? "success()" : step.condition();
        try {
            if (Evaluator.condition(ExpressionParser.parse(condition), scope)) {
                return true;
            }
            log.line("::delta:: skipped: if: " + condition + " is false");
        } catch (ExpressionException e) {
            log.line("::delta:: skipped: if: " + condition + " cannot be evaluated: " + e.getMessage());
        }
        return false;
    }

    /** The step with {@code ${{ }}} in its command and env values replaced. */
    private static LeasedJob.Step render(LeasedJob.Step step, Scope scope) throws ExpressionException {
        if (step.checkout()) {
            return step;
        }
        Map<String, String> env = new HashMap<>();
        for (Map.Entry<String, String> entry : step.env().entrySet()) {
            env.put(entry.getKey(), Template.parse(entry.getValue()).render(scope));
        }
        return new LeasedJob.Step(step.name(), false, Template.parse(step.run()).render(scope), step.shell(), env,
                step.workingDirectory(), step.timeoutMillis(), step.continueOnError(), step.condition());
    }

    /**
     * Downloads and unpacks the artifacts of the jobs this one needs, each checked against the
     * SHA-256 its job's completion recorded (an archive replaced since is refused); returns what
     * went wrong, or null.
     */
    private String unpackDownloads(LeasedJob job, Path workspace, LogStreamer log) throws IOException {
        for (LeasedJob.Download input : job.downloads()) {
            Path archive = Files.createTempFile(workRoot, "input-", ".tar.gz");
            try {
                URI url = URI.create(input.url());
                int status = untilStored("artifact download", () -> api.download(url, archive));
                if (status != 200) {
                    return "cannot download the artifacts of " + input.name() + ": HTTP " + status;
                }
                String sha256 = ArtifactArchive.sha256(archive);
                if (input.sha256() == null || !input.sha256().equals(sha256)) {
                    return "the artifacts of " + input.name() + " are not the archive its job completed with (SHA-256 "
                            + sha256 + ", recorded " + input.sha256() + "); refusing them";
                }
                ArtifactArchive.Contents contents = ArtifactArchive.unpack(archive, workspace);
                log.line("::delta:: artifacts of " + input.name() + ": " + files(contents));
            } finally {
                Files.deleteIfExists(archive);
            }
        }
        return null;
    }

    /**
     * Packs the job's {@code artifacts:} and uploads them through a presigned URL, asked for
     * afresh for each try (URLs expire with the lease). A path the steps did not produce fails the
     * job as a script failure; a failed upload is an infrastructure error. Links that point
     * outside the kept paths are left out, and said so in the job's log.
     */
    private Kept keepArtifacts(LeasedJob job, Path workspace, LogStreamer log) throws IOException {
        List<String> missing = ArtifactArchive.missing(workspace, job.artifacts());
        if (!missing.isEmpty()) {
            return Kept.failed("script_failure", "artifacts: " + String.join(", ", missing)
                    + " not found in the workspace after the steps");
        }
        Path archive = Files.createTempFile(workRoot, "artifacts-", ".tar.gz");
        try {
            ArtifactArchive.Contents contents = ArtifactArchive.pack(workspace, job.artifacts(), archive);
            if (!contents.linksLeftOut().isEmpty()) {
                log.line("::delta:: " + contents.linksLeftOut().size() + " symbolic link(s) left out of the artifacts: "
                        + "they point outside them: " + String.join(", ", contents.linksLeftOut().stream().limit(20).toList())
                        + (contents.linksLeftOut().size() > 20 ? ", …" : ""));
            }
            String[] refused = new String[1];
            int status = untilStored("artifact upload", () -> {
                RunnerApiClient.Answer answer = api.artifactUploadUrl(job.runId(), job.jobKey(), job.epoch());
                if (!answer.ok()) {
                    refused[0] = answer.reason();
                    return answer.retryable() ? answer.status() : 0;
                }
                return api.upload(URI.create(answer.body().path("url").asText()), archive, "application/gzip");
            });
            if (status != 200) {
                return Kept.failed("infra_error", "cannot upload artifacts: "
                        + (refused[0] != null && status == 0 ? refused[0] : "HTTP " + status));
            }
            log.line("::delta:: kept artifacts " + String.join(", ", job.artifacts()) + ": " + files(contents)
                    + " (" + Files.size(archive) + " compressed)");
            return Kept.stored(ArtifactArchive.sha256(archive));
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    interface StorageCall {
        int call() throws IOException;
    }

    /**
     * A call to the artifact store (S3, through a presigned URL), retried with backoff while the
     * store is unreachable or answers 5xx, for up to the storage outage limit; returns the last
     * HTTP status (or throws the last error).
     */
    private int untilStored(String what, StorageCall call) throws IOException {
        long deadline = System.nanoTime() + storageOutageLimit.toNanos();
        long pauseMs = 250;
        while (true) {
            try {
                int status = call.call();
                if (status < 500 || System.nanoTime() > deadline) {
                    return status;
                }
                LOG.warn(what + " answered HTTP " + status + "; retrying in " + pauseMs + " ms");
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(what + ": the artifact store was unavailable for more than "
                            + storageOutageLimit.toSeconds() + " s (" + e.getMessage() + ")", e);
                }
                LOG.warn(what + " failed (" + e.getMessage() + "); retrying in " + pauseMs + " ms");
            }
            sleepQuietly(pauseMs);
            pauseMs = Math.min(pauseMs * 2, 5000);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A step's name with its {@code ${{ }}} rendered (as written if it cannot be). */
    private static String displayName(LeasedJob.Step step, Scope scope) {
        try {
            return Template.parse(step.name()).render(scope);
        } catch (ExpressionException | RuntimeException e) {
            return step.name();
        }
    }

    private static String files(ArtifactArchive.Contents contents) {
        return contents.files() + (contents.files() == 1 ? " file, " : " files, ") + contents.bytes() + " bytes"
                + (contents.links() == 0 ? "" : ", " + contents.links() + (contents.links() == 1 ? " link" : " links"));
    }

    /**
     * The runner is shutting down (scale-in, SIGTERM): the running step is stopped (SIGTERM, then
     * SIGKILL after the grace period) and the job is reported as an infrastructure failure, so it
     * goes back to the queue now instead of when its lease expires. No further step starts.
     */
    void stop() {
        stopping = true;
        LeaseKeeper fence = current;
        if (fence != null) {
            fence.stop(RUNNER_STOPPING);
        }
    }

    private Result finish(LogStreamer log, LeaseKeeper fence, int exitCode, String failureClass, Path workspace) {
        return finish(log, fence, exitCode, failureClass, workspace, null);
    }

    private Result finish(LogStreamer log, LeaseKeeper fence, int exitCode, String failureClass, Path workspace,
                          String artifactSha256) {
        log.close();
        if (log.storageFailed() != null && failureClass == null) {
            // the steps passed but their log is not all stored: not a success anyone can check
            failureClass = "infra_error";
            exitCode = -1;
        }
        fence.close();
        deleteTree(workspace);
        deleteTree(home(workspace));
        if (fence.isLost()) {
            return new Result.LeaseLost(fence.lostReason());
        }
        return new Result.Report(exitCode, failureClass, log.chunksSent(), failureClass == null ? artifactSha256 : null);
    }

    /** A job user's own home for this job, beside the workspace (the runner's HOME is not theirs to read). */
    private static Path home(Path workspace) {
        return workspace.resolveSibling(workspace.getFileName() + ".home");
    }

    /** The checked-out (and unpacked) workspace and a fresh home become the job user's, 0700. */
    private void handOver(Path workspace) throws IOException {
        Path home = home(workspace);
        deleteTree(home);
        Files.createDirectories(home);
        jobUser.own(workspace);
        jobUser.own(home);
    }

    private String checkout(LeasedJob job, Path workspace, LogStreamer log) throws IOException {
        Files.createDirectories(workspace.getParent());
        deleteTree(workspace);
        log.line("::delta:: checkout " + job.sha() + " (" + job.ref() + ")");
        ProcessResult clone = runGit(workspace.getParent(), "clone", "--quiet", "--no-checkout", job.cloneUrl(),
                workspace.toString());
        if (clone.exitCode != 0) {
            return "git clone " + job.cloneUrl() + ": " + clone.output.strip();
        }
        ProcessResult checkout = runGit(workspace, "-c", "advice.detachedHead=false", "checkout", "--quiet",
                "--detach", job.sha());
        return checkout.exitCode == 0 ? null : "git checkout " + job.sha() + ": " + checkout.output.strip();
    }

    /** How a step ended: it exited (with a code), ran out of time, or was stopped by the fence. */
    private record StepOutcome(Kind kind, int exitCode) {
        enum Kind { EXITED, STEP_TIMED_OUT, STOPPED, FENCED }

        static final StepOutcome STEP_TIMED_OUT = new StepOutcome(Kind.STEP_TIMED_OUT, -1);
        static final StepOutcome STOPPED = new StepOutcome(Kind.STOPPED, -1);
        static final StepOutcome FENCED = new StepOutcome(Kind.FENCED, -1);

        static StepOutcome exited(int code) {
            return new StepOutcome(Kind.EXITED, code);
        }
    }

    /** How each supported shell runs a step's script file (bash as GitHub Actions runs it). */
    static List<String> shellCommand(String shell, Path script) {
        return switch (shell) {
            case "sh" -> List.of("sh", "-e", script.toString());
            case "python" -> List.of("python3", script.toString());
            default -> List.of("bash", "--noprofile", "--norc", "-eo", "pipefail", script.toString());
        };
    }

    /**
     * The job's {@code image:} with its {@code ${{ }}} rendered, once this runner is known to run
     * containers; null (and the reason logged) when it cannot.
     */
    private static String containerImage(LeasedJob job, LogStreamer log) {
        String image;
        try {
            image = Template.parse(job.image()).render(scope(job, Map.of(), false)).strip();
        } catch (ExpressionException | RuntimeException e) {
            log.line("::delta:: cannot evaluate 'image: " + job.image() + "': " + e.getMessage());
            return null;
        }
        if (!image.matches("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}")) {
            log.line("::delta:: 'image: " + image + "' is not an image reference");
            return null;
        }
        Optional<String> problem = ContainerStep.dockerProblem(stepEnvironment(job, Path.of(".")));
        if (problem.isPresent()) {
            log.line("::delta:: the job runs in image " + image + ", but this runner cannot run containers: "
                    + problem.get() + ". Run such jobs on runners with Docker: start them with a label "
                    + "(e.g. --labels docker) and list it in the job's 'labels'.");
            return null;
        }
        log.line("::delta:: steps run in containers of image " + image);
        return image;
    }

    private StepOutcome runStep(LeasedJob job, LeasedJob.Step step, int index, Path workspace, Path directory,
                                String image, LogStreamer log, LeaseKeeper fence, long deadlineNanos, long stepDeadlineNanos)
            throws IOException {
        // beside the workspace, not in it: the step's files are the repository's
        Path script = workspace.resolveSibling(workspace.getFileName() + ".step" + (index + 1));
        Files.writeString(script, step.run() + "\n");
        String container = image == null ? null : ContainerStep.name(job, index);
        try {
            Map<String, String> env = new HashMap<>(stepEnvironment(job, workspace));
            List<String> command = image == null ? shellCommand(step.shell(), script)
                    : ContainerStep.command(image, container, workspace, script,
                            workspace.relativize(directory).toString(), env.keySet(), step.shell());
            if (jobUser != null) {
                jobUser.own(script);
                env.putAll(Map.of("USER", jobUser.name(), "LOGNAME", jobUser.name(), "HOME", home(workspace).toString()));
                // the docker CLI needs the daemon's socket: container steps stay the runner's (docker is root's anyway)
                command = image == null ? jobUser.wrap(command) : command;
            }
            env.putAll(step.env());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(directory.toFile()).redirectErrorStream(true);
            builder.environment().clear();
            builder.environment().putAll(env);
            Process process = builder.start();
            process.getOutputStream().close();
            Thread pump = new Thread(() -> pump(process, log), "output-" + job.jobKey());
            pump.start();
            while (true) {
                if (process.waitFor(200, TimeUnit.MILLISECONDS)) {
                    pump.join(5000);
                    return StepOutcome.exited(process.exitValue());
                }
                if (fence.isLost()) {
                    stopTree(process);
                    removeContainer(container);
                    pump.join(5000);
                    return StepOutcome.FENCED;
                }
                if (System.nanoTime() > deadlineNanos) {
                    fence.stop("timeout");
                } else if (System.nanoTime() > stepDeadlineNanos) {
                    stopTree(process);
                    removeContainer(container);
                    pump.join(5000);
                    return StepOutcome.STEP_TIMED_OUT;
                }
                if (fence.stopReason() != null) {
                    stopTree(process);
                    removeContainer(container);
                    pump.join(5000);
                    return StepOutcome.STOPPED;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running step " + (index + 1), e);
        } finally {
            Files.deleteIfExists(script);
        }
    }

    private static void removeContainer(String container) {
        if (container != null) {
            ContainerStep.remove(container); // killing the docker CLI does not stop its container
        }
    }

    static Map<String, String> stepEnvironment(LeasedJob job, Path workspace) {
        Map<String, String> env = new HashMap<>();
        for (String name : PASSED_THROUGH) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.put("CI", "true");
        env.put("DELTA", "true");
        env.put("DELTA_RUN_ID", job.runId());
        env.put("DELTA_JOB", job.jobKey());
        env.put("DELTA_ATTEMPT", Integer.toString(job.attempt()));
        env.put("DELTA_SHA", job.sha());
        env.put("DELTA_REF", job.ref());
        env.put("DELTA_WORKSPACE", workspace.toString());
        env.putAll(job.env());
        return env;
    }

    private static void pump(Process process, LogStreamer log) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                log.line(line);
            }
        } catch (IOException e) {
            log.line("::delta:: output stream broke: " + e.getMessage());
        }
    }

    /** SIGTERM to the step and everything it started, then SIGKILL after the grace period. */
    private void stopTree(Process process) throws InterruptedException {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.currentTimeMillis() + killGraceMs;
        while (System.currentTimeMillis() < deadline && tree.stream().anyMatch(ProcessHandle::isAlive)) {
            Thread.sleep(50);
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        process.waitFor(5, TimeUnit.SECONDS);
    }

    private record ProcessResult(int exitCode, String output) {
    }

    private static ProcessResult runGit(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                return new ProcessResult(-1, "timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during git", e);
        }
        return new ProcessResult(process.exitValue(), output);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("could not delete workspace " + dir + ": " + e.getMessage());
        }
    }
}
