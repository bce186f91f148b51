package dev.deltaci.local.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.store.AttemptRecord;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobRef;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.SweepStore;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.host.RunnerPool;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.stack.EmbeddedStack;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;

/**
 * Runs many jobs through the embedded stack while things go wrong: runners SIGKILLed mid-job
 * (and replaced), queue sends applied but reported as failed (so they are sent twice), dynalite
 * restarted (its data kept on disk) and ElasticMQ restarted (its messages lost). Then checks
 * what the system promises: nothing lost, nothing accepted twice, no log chunk missing.
 */
public final class ChaosRun {

    /** The knobs of a chaos run; rates are probabilities from 0 to 1. */
    public record Config(int jobs, int runners, double killRate, double dupRate, long seed, Duration limit) {
    }

    private static final int JOBS_PER_RUN = 10;
    /** Ten jobs: six independent, four joined to them by needs. Each prints 40 lines, then sleeps a little. */
    private static final String PIPELINE = """
            jobs:
            %s""".formatted(String.join("", Stream.of(
                    job("j0", null), job("j1", null), job("j2", null), job("j3", null), job("j4", null),
                    job("j5", null), job("j6", "j0"), job("j7", "[j1, j2]"), job("j8", "j6"), job("j9", "j7"))
            .toList()));
    private static final Map<String, String> CHAOS_ENVIRONMENT = Map.of(
            "LEASE_TTL_SECONDS", "4", "CLOCK_SKEW_ALLOWANCE_MS", "500", "RECONCILE_AFTER_SECONDS", "8",
            "INFRA_RETRY_BUDGET", "50", "PREFER_OTHER_RUNNER_SECONDS", "2");

    private static String job(String key, String needs) {
        return "  " + key + ":\n" + (needs == null ? "" : "    needs: " + needs + "\n")
                + "    steps:\n"
                + "      - run: 'for i in $(seq 1 40); do echo \"" + key + " line $i\"; done; sleep 0.$((RANDOM % 9 + 1))'\n";
    }

    private final Config config;
    private final PrintWriter progress;
    private final Random random;

    public ChaosRun(Config config, PrintWriter progress) {
        this.config = config;
        this.progress = progress;
        this.random = new Random(config.seed());
    }

    public ChaosReport run() throws Exception {
        long began = System.nanoTime();
        Path dataDir = Files.createTempDirectory("delta-chaos-data-");
        Path workDir = Files.createTempDirectory("delta-chaos-work-");
        FaultInjector duplicates = new FaultInjector().inject(
                r -> r instanceof SendMessageBatchRequest && chance(config.dupRate()),
                FaultInjector.Fault.SERVER_ERROR, Integer.MAX_VALUE);
        Map<String, Long> killedAt = new ConcurrentHashMap<>(); // "run/job/epoch" → epoch ms
        int dynaliteRestarts = 0;
        int elasticMqRestarts = 0;
        try (EmbeddedStack stack = EmbeddedStack.start(dataDir);
             LocalControlPlane plane = new LocalControlPlane(stack, LocalControlPlane.Options.defaults("chaos")
                     .withEnvironment(CHAOS_ENVIRONMENT).withInterceptors(List.of(duplicates)));
             RunnerPool pool = RunnerPool.start(config.runners(), plane.runnerTarget(), workDir);
             LocalRepository repo = repository()) {
            JobStore store = plane.plane().jobStore();
            SweepStore leases = new SweepStore(plane.plane().dynamo(), plane.plane().config().tableName(), Clock.systemUTC());
            List<String> runIds = submit(plane, repo);
            int submitted = runIds.size() * JOBS_PER_RUN;
            Set<String> decided = new HashSet<>();
            long deadline = System.nanoTime() + config.limit().toNanos();
            long lastReport = 0;
            int terminal = 0;
            while (System.nanoTime() < deadline) {
                try {
                    killSomeLeaseHolders(store, leases, pool, decided, killedAt);
                    terminal = countTerminal(store, runIds);
                } catch (RuntimeException e) {
                    progress.println("  (control plane unavailable: " + e.getClass().getSimpleName() + ")");
                }
                if (dynaliteRestarts == 0 && terminal >= submitted * 3 / 10) {
                    progress.println("▸ restarting dynalite (data kept on disk)…");
                    stack.restartDynalite();
                    dynaliteRestarts++;
                }
                if (elasticMqRestarts == 0 && terminal >= submitted * 6 / 10) {
                    progress.println("▸ restarting ElasticMQ (its messages are lost)…");
                    stack.restartElasticMq();
                    elasticMqRestarts++;
                }
                if (terminal == submitted) {
                    break;
                }
                if (System.nanoTime() - lastReport > Duration.ofSeconds(2).toNanos()) {
                    progress.printf("  %d/%d jobs finished; %d runners killed, %d duplicate sends%n", terminal,
                            submitted, killedAt.size(), duplicates.injected());
                    lastReport = System.nanoTime();
                }
                Thread.sleep(200);
            }
            return report(store, plane.plane().logStore(), runIds, submitted, killedAt, duplicates.injected(),
                    dynaliteRestarts, elasticMqRestarts, Duration.ofNanos(System.nanoTime() - began).toMillis());
        } finally {
            dev.deltaci.local.TempTrees.deleteQuietly(dataDir);
            dev.deltaci.local.TempTrees.deleteQuietly(workDir);
        }
    }

    private LocalRepository repository() throws Exception {
        Path dir = Files.createTempDirectory("delta-chaos-repo-");
        try {
            Files.createDirectories(dir.resolve(".delta"));
            Files.writeString(dir.resolve(".delta/pipeline.yml"), PIPELINE);
            return LocalRepository.resolve(dir, null);
        } finally {
            dev.deltaci.local.TempTrees.deleteQuietly(dir);
        }
    }

    private List<String> submit(LocalControlPlane plane, LocalRepository repo) throws Exception {
        int runs = (config.jobs() + JOBS_PER_RUN - 1) / JOBS_PER_RUN;
        byte[] payload = GitHubPush.payload(repo);
        List<String> runIds = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            GitHubPush.Delivery delivery = GitHubPush.send(plane.apiUrl(), "chaos", payload);
            if (delivery.status() != 201) {
                throw new IllegalStateException("webhook refused: " + delivery.status() + " " + delivery.body());
            }
            runIds.add(new ObjectMapper().readTree(delivery.body()).get("runId").asText());
        }
        progress.printf("▸ %d runs of %d jobs submitted; %d runners; kill rate %.2f, duplicate rate %.2f%n", runs,
                JOBS_PER_RUN, config.runners(), config.killRate(), config.dupRate());
        return runIds;
    }

    /** Each lease (job and epoch) seen gets one roll of the dice; a hit SIGKILLs its runner and starts a new one. */
    private void killSomeLeaseHolders(JobStore store, SweepStore leases, RunnerPool pool, Set<String> decided,
                                      Map<String, Long> killedAt) throws IOException {
        for (JobRef ref : leases.expiredLeases(Long.MAX_VALUE, 1000)) {
            JobRecord job = store.getJob(ref.runId(), ref.jobKey()).orElse(null);
            if (job == null || job.state() != JobState.RUNNING) {
                continue;
            }
            String lease = ref.runId() + "/" + ref.jobKey() + "/" + job.lease().epoch();
            if (decided.add(lease) && chance(config.killRate()) && pool.kill(job.lease().owner())) {
                killedAt.put(lease, System.currentTimeMillis());
                pool.add();
            }
        }
    }

    private static int countTerminal(JobStore store, List<String> runIds) {
        int terminal = 0;
        for (String runId : runIds) {
            terminal += (int) store.listJobs(runId).stream().filter(j -> j.state().isTerminal()).count();
        }
        return terminal;
    }

    private ChaosReport report(JobStore store, LogStore logs, List<String> runIds, int submitted,
                               Map<String, Long> killedAt, int duplicateSends, int dynaliteRestarts,
                               int elasticMqRestarts, long wallMillis) {
        int terminal = 0;
        int acceptedTwice = 0;
        int missingChunks = 0;
        Map<String, Integer> byState = new TreeMap<>();
        List<Long> killToRequeue = new ArrayList<>();
        List<Long> killToRelease = new ArrayList<>();
        for (String runId : runIds) {
            for (JobRecord job : store.listJobs(runId)) {
                byState.merge(job.state().name(), 1, Integer::sum);
                if (job.state().isTerminal()) {
                    terminal++;
                }
                long ends = job.attempts().history().stream().filter(a -> !"QUEUED".equals(a.result())).count();
                if (ends > 1) {
                    acceptedTwice++;
                }
                if (job.outcome().logChunks() > 0) {
                    List<String> stored = logs.listChunks(runId, job.jobKey(), job.lease().epoch());
                    for (int seq = 0; seq < job.outcome().logChunks(); seq++) {
                        if (!stored.contains(LogStore.chunkKey(runId, job.jobKey(), job.lease().epoch(), seq))) {
                            missingChunks++;
                        }
                    }
                }
                for (AttemptRecord attempt : job.attempts().history()) {
                    Long killed = killedAt.get(runId + "/" + job.jobKey() + "/" + attempt.epoch());
                    if (killed != null && "runner_lost".equals(attempt.failureClass())) {
                        killToRequeue.add(attempt.endedAtEpochMs() - killed);
                        nextLeaseAfter(job, attempt.epoch()).ifPresent(t -> killToRelease.add(t - killed));
                    }
                }
            }
        }
        return new ChaosReport(submitted, terminal, submitted - terminal, acceptedTwice, missingChunks, byState,
                killedAt.size(), duplicateSends, dynaliteRestarts, elasticMqRestarts, summary(killToRequeue),
                summary(killToRelease),
                Duration.ofSeconds(Long.parseLong(CHAOS_ENVIRONMENT.get("LEASE_TTL_SECONDS"))).toMillis(),
                LocalControlPlane.Options.LOCAL_SCHEDULE_INTERVAL.toMillis(), wallMillis);
    }

    /** When the attempt after the one at {@code epoch} was leased (the requeue takes epoch + 1, the lease + 2). */
    private static java.util.Optional<Long> nextLeaseAfter(JobRecord job, long epoch) {
        return job.attempts().history().stream().filter(a -> a.epoch() == epoch + 2).map(AttemptRecord::startedAtEpochMs)
                .findFirst()
                .or(() -> job.lease().epoch() == epoch + 2 ? java.util.Optional.of(job.times().startedAtEpochMs())
                        : java.util.Optional.empty());
    }

    private static Map<String, Long> summary(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        Map<String, Long> summary = new LinkedHashMap<>();
        summary.put("count", (long) sorted.size());
        summary.put("p50", percentile(sorted, 50));
        summary.put("p99", percentile(sorted, 99));
        return summary;
    }

    private static Long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return null;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    private synchronized boolean chance(double rate) {
        return random.nextDouble() < rate;
    }
}
