package dev.deltaci.runner;

import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.Scope;
import dev.deltaci.core.job.FailureClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs one leased job: checkout into a fresh workspace, the steps in order with a scrubbed
 * environment, logs streamed as they come, the lease renewed every heartbeat interval. If the
 * lease is lost, or cannot be renewed before it would expire, the job is stopped and nothing is
 * reported as complete: another runner may already own it.
 *
 * <p>This class decides how the job goes (which step runs, what ends it); a step's process is
 * {@link StepProcess}'s, its expressions {@link JobExpressions}', artifacts {@link ArtifactTransfer}'s,
 * the workspace {@link Workspace}'s and the lease {@link LeaseKeeper}'s.
 */
final class JobExecutor {

    /** How a job ended on this runner: with an outcome to report, or with the lease lost (nothing to report). */
    sealed interface Result {

        /**
         * What the runner reports: {@code failureClass} null for a success, and the SHA-256 of the
         * artifact archive it uploaded (null when it kept none), and what the job's {@code outputs:}
         * rendered to (a success's only). {@code lastLog} is the log's last chunk, held back for the
         * completion to carry (null: every chunk is stored); {@code logChunks} counts it.
         */
        record Report(int exitCode, FailureClass failureClass, int logChunks, String artifactSha256,
                      Map<String, String> outputs, LogStreamer.Held lastLog) implements Result {
            public Report {
                outputs = outputs == null ? Map.of() : outputs;
            }

            Report(int exitCode, FailureClass failureClass, int logChunks) {
                this(exitCode, failureClass, logChunks, null, Map.of(), null);
            }

            /**
             * What an attempt reports whose log could not all be stored ({@code storageFailure}, null:
             * it was): steps that passed are then no success anyone can check, and only a success
             * reports its archive and outputs.
             */
            static Report of(int exitCode, FailureClass failureClass, String storageFailure, int logChunks,
                             String artifactSha256, Map<String, String> outputs, LogStreamer.Held lastLog) {
                if (storageFailure != null && failureClass == null) {
                    failureClass = FailureClass.INFRA_ERROR;
                    exitCode = -1;
                }
                boolean success = failureClass == null;
                return new Report(exitCode, failureClass, logChunks, success ? artifactSha256 : null,
                        success ? outputs : Map.of(), lastLog);
            }

            /** The report once the held chunk went on its own ({@link LogStreamer.Held#sendAlone}). */
            Report lastLogSentAlone() {
                if (lastLog == null) {
                    return this;
                }
                String failure = lastLog.sendAlone();
                return of(exitCode, failureClass, failure, failure == null ? logChunks : lastLog.seq(), artifactSha256,
                        outputs, null);
            }
        }

        /** The lease was lost (another runner may own the job now): the job was stopped and is not reported. */
        record LeaseLost(String reason) implements Result {
        }
    }

    private final RunnerApiClient api;
    private final Path workRoot;
    private final long logFlushMs;
    private final Duration storageOutageLimit;
    /** Who steps run as; null: as the runner's own user (a laptop). */
    private final JobUser jobUser;
    private final StepProcess steps;
    private final ArtifactTransfer artifacts;
    private volatile LeaseKeeper current;
    private volatile boolean stopping;

    /** The failure class a job stopped by its runner's shutdown ends with: retried elsewhere at once. */
    static final FailureClass RUNNER_STOPPING = FailureClass.INFRA_ERROR;

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
        this.logFlushMs = logFlushMs;
        this.storageOutageLimit = storageOutageLimit;
        this.steps = new StepProcess(killGraceMs, jobUser);
        this.artifacts = new ArtifactTransfer(api, workRoot, storageOutageLimit);
    }

    /** The Docker CLI services are started with: the real one, or a double in tests. */
    private ServiceContainers.Docker docker = ServiceContainers.CLI;

    JobExecutor withDocker(ServiceContainers.Docker newDocker) {
        this.docker = newDocker;
        return this;
    }

    /**
     * Runs the job; its workspace is left for {@link #cleanUp}, so that deleting a large tree
     * (a {@code node_modules}, a build's output) does not hold back the job's report.
     */
    Result run(LeasedJob leased) {
        LeasedJob job = JobExpressions.withRenderedEnv(leased);
        Path workspace = workspaceOf(job);
        LeaseKeeper fence = new LeaseKeeper(api, job);
        current = fence;
        if (stopping) {
            fence.stop(RUNNER_STOPPING);
        }
        LogStreamer log = new LogStreamer(api, job, logFlushMs, storageOutageLimit,
                () -> fence.lose("log upload refused: lease lost"));
        StepFiles files = new StepFiles(StepFiles.dirFor(workspace), jobUser);
        ServiceContainers services = new ServiceContainers(docker, job);
        Map<String, String> cliEnv = StepProcess.stepEnvironment(job, workspace);
        fence.start();
        int exitCode = 0;
        FailureClass failureClass = null;
        try {
            log.line("::delta:: job " + job.name() + " (attempt " + job.attempt() + ", epoch " + job.epoch() + ")");
            if (job.secretsNote() != null) {
                log.line("::delta:: secrets: " + job.secretsNote());
            }
            String checkoutError = Workspace.checkout(job, workspace, log);
            if (checkoutError != null) {
                log.line("::delta:: checkout failed: " + checkoutError);
                return finish(log, fence, -1, FailureClass.INFRA_ERROR, workspace);
            }
            String downloadError = artifacts.unpackDownloads(job, workspace, log);
            if (downloadError != null) {
                log.line("::delta:: " + downloadError);
                return finish(log, fence, -1, FailureClass.INFRA_ERROR, workspace);
            }
            if (jobUser != null) {
                Workspace.handOver(workspace, jobUser);
            }
            String image = null;
            if (job.image() != null) {
                image = JobExpressions.containerImage(job, log);
                if (image == null) {
                    return finish(log, fence, -1, FailureClass.INFRA_ERROR, workspace);
                }
            }
            long deadlineNanos = System.nanoTime() + TimeUnit.MINUTES.toNanos(job.timeoutMinutes());
            if (!job.services().isEmpty()) {
                Optional<String> noDocker = services.dockerProblem(cliEnv);
                if (noDocker.isPresent()) {
                    log.line("::delta:: job '" + job.jobKey() + "' has services (" + String.join(", ", job.services().stream()
                            .map(LeasedJob.Service::name).toList()) + "), which need Docker, and this runner cannot run "
                            + "containers: " + noDocker.get() + ". Run such jobs on runners with Docker: start them with a "
                            + "label (e.g. --labels docker) and list it in the job's 'runs-on' or 'labels'.");
                    return finish(log, fence, -1, FailureClass.INFRA_ERROR, workspace);
                }
                String problem = services.start(JobExpressions.scope(job, Map.of(), false, null, workspace), cliEnv,
                        deadlineNanos, log);
                if (problem != null) {
                    log.line("::delta:: " + problem);
                    return finish(log, fence, 1, FailureClass.SCRIPT_FAILURE, workspace);
                }
            }
            for (int i = 0; i < job.steps().size(); i++) {
                LeasedJob.Step step = job.steps().get(i);
                // after a failure only steps whose if: asks for it (failure(), always()) still run
                Scope scope = JobExpressions.scope(job, step.env(), failureClass != null, files, workspace,
                        services.context());
                log.line("::delta:: step " + (i + 1) + "/" + job.steps().size() + ": " + JobExpressions.displayName(step, scope));
                if (!JobExpressions.shouldRun(step, scope, log)) {
                    files.ended(step.id(), "skipped", "skipped");
                    continue;
                }
                LeasedJob.Step resolved;
                try {
                    resolved = JobExpressions.render(step, scope);
                } catch (ExpressionException e) {
                    log.line("::delta:: cannot evaluate an expression of this step: " + e.getMessage());
                    exitCode = 1;
                    failureClass = FailureClass.SCRIPT_FAILURE;
                    files.ended(step.id(), "failure", "failure");
                    continue;
                }
                if (step.checkout()) {
                    log.line("::delta:: checkout is built in: the workspace already holds " + job.sha());
                    files.ended(step.id(), "success", "success");
                    continue;
                }
                long started = System.nanoTime();
                long stepDeadlineNanos = step.timeoutMillis() > 0
                        ? Math.min(deadlineNanos, started + TimeUnit.MILLISECONDS.toNanos(step.timeoutMillis())) : deadlineNanos;
                Path directory = step.workingDirectory() == null ? workspace
                        : workspace.resolve(step.workingDirectory()).normalize();
                StepProcess.StepOutcome outcome;
                if (!directory.startsWith(workspace) || !Files.isDirectory(directory)) {
                    log.line("::delta:: working-directory '" + step.workingDirectory() + "' does not exist in the workspace");
                    outcome = StepProcess.StepOutcome.exited(1);
                } else {
                    Map<String, String> carried = files.environment(StepProcess.stepEnvironment(job, workspace).get("PATH"));
                    outcome = steps.run(job, resolved, i, workspace, directory, image, log, fence, deadlineNanos,
                            stepDeadlineNanos, carried, files.prepare(i), files.dir(),
                            job.services().isEmpty() ? null : services.network());
                }
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                if (outcome == StepProcess.StepOutcome.FENCED) {
                    log.line("::delta:: stopped: " + fence.lostReason());
                    break;
                }
                if (outcome.kind() == StepProcess.StepOutcome.Kind.STOPPED) {
                    FailureClass why = fence.stopReason();
                    log.line("::delta:: stopped: " + switch (why) {
                        case TIMEOUT -> "the job exceeded timeout-minutes " + job.timeoutMinutes();
                        case INFRA_ERROR -> "the runner is shutting down; the job goes back to the queue";
                        default -> "the run was cancelled";
                    });
                    exitCode = 143;
                    failureClass = why;
                    break;
                }
                boolean stepTimedOut = outcome.kind() == StepProcess.StepOutcome.Kind.STEP_TIMED_OUT;
                int stepExit = stepTimedOut ? 124 : outcome.exitCode();
                log.line("::delta:: step " + (i + 1) + (stepTimedOut
                        ? " exceeded its timeout (" + step.timeoutMillis() / 1000 + " s) and was stopped"
                        : " exited " + stepExit) + " after " + millis + " ms");
                Optional<String> filesProblem = files.collect(i, step.id(), log);
                if (filesProblem.isPresent()) {
                    log.line("::delta:: step " + (i + 1) + " fails: " + filesProblem.get());
                    stepExit = stepExit == 0 ? 1 : stepExit;
                }
                files.ended(step.id(), stepExit == 0 ? "success" : "failure",
                        stepExit == 0 || step.continueOnError() ? "success" : "failure");
                if (stepExit != 0 && step.continueOnError()) {
                    log.line("::delta:: continue-on-error: the job goes on");
                } else if (stepExit != 0 && failureClass == null) {
                    // the first failure decides how the job ends; later steps run only if they ask to
                    exitCode = stepExit;
                    failureClass = stepTimedOut ? FailureClass.TIMEOUT : FailureClass.SCRIPT_FAILURE;
                }
            }
            String artifactSha256 = null;
            if (failureClass == null && !fence.isLost() && !job.artifacts().isEmpty()) {
                ArtifactTransfer.Kept kept = artifacts.keepArtifacts(job, workspace, log);
                if (kept.problem() != null) {
                    log.line("::delta:: " + kept.problem());
                    return finish(log, fence, kept.failureClass() == FailureClass.SCRIPT_FAILURE ? 1 : -1,
                            kept.failureClass(), workspace);
                }
                artifactSha256 = kept.sha256();
            }
            Map<String, String> outputs = failureClass == null && !job.outputs().isEmpty()
                    ? JobExpressions.outputs(job, files, workspace, log) : Map.of();
            return finish(log, fence, exitCode, failureClass, workspace, artifactSha256, outputs);
        } catch (IOException e) {
            log.line("::delta:: runner error: " + e.getMessage());
            return finish(log, fence, -1, FailureClass.INFRA_ERROR, workspace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return finish(log, fence, -1, FailureClass.INFRA_ERROR, workspace);
        } finally {
            services.stop(cliEnv); // however the job ended
        }
    }

    /** Deletes what {@link #run} left of the job: its workspace, step files and home. */
    void cleanUp(LeasedJob job) {
        Path workspace = workspaceOf(job);
        Workspace.deleteTree(StepFiles.dirFor(workspace));
        Workspace.deleteTree(workspace);
        Workspace.deleteTree(Workspace.home(workspace));
    }

    private Path workspaceOf(LeasedJob job) {
        return workRoot.resolve(job.runId() + "-" + job.jobKey() + "-e" + job.epoch());
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

    private Result finish(LogStreamer log, LeaseKeeper fence, int exitCode, FailureClass failureClass, Path workspace) {
        return finish(log, fence, exitCode, failureClass, workspace, null, Map.of());
    }

    private Result finish(LogStreamer log, LeaseKeeper fence, int exitCode, FailureClass failureClass, Path workspace,
                          String artifactSha256, Map<String, String> outputs) {
        LogStreamer.Held lastLog = log.closeHoldingLast();
        fence.close();
        if (fence.isLost()) {
            return new Result.LeaseLost(fence.lostReason());
        }
        return Result.Report.of(exitCode, failureClass, log.storageFailed(), log.chunksSent() + (lastLog == null ? 0 : 1),
                artifactSha256, outputs, lastLog);
    }
}
