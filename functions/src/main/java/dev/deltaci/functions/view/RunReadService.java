package dev.deltaci.functions.view;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.functions.artifacts.ArtifactStore;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.logs.LogStore;
import dev.deltaci.functions.scale.WaitingReasons;
import dev.deltaci.functions.security.ApiKeys;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.functions.store.JobStore;
import dev.deltaci.functions.store.RunSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The read side of the control API: {@code GET /runs} (newest first, filtered, cursor pages from
 * the runs index), {@code GET /runs/{id}} (the run, its jobs and their graph), a job's log by
 * sequence cursor, and the run's artifacts with short-lived download URLs. A key sees only the
 * runs of repositories it covers; a run out of its reach answers exactly as a missing one does.
 * No route scans the table: the list reads one index, the rest one run's partition and its
 * S3 prefix.
 */
public final class RunReadService {

    public static final int DEFAULT_PAGE = 50;
    public static final int MAX_PAGE = 200;
    /** A log page carries at most this much text (and at least one chunk), well inside Lambda's 6 MB answer. */
    public static final int LOG_PAGE_BYTES = 512 * 1024;
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern JOB_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,100}");
    private static final Pattern REPOSITORY = Pattern.compile("[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JobStore store;
    private final LogStore logs;
    private final ArtifactStore artifacts;
    private final WaitingReasons waiting;
    private final Clock clock;

    public RunReadService(JobStore store, LogStore logs, ArtifactStore artifacts, WaitingReasons waiting, Clock clock) {
        this.store = store;
        this.logs = logs;
        this.artifacts = artifacts;
        this.waiting = waiting;
        this.clock = clock;
    }

    /** {@code GET /runs?repository=&branch=&status=&limit=&cursor=}. */
    public ApiResponse list(Map<String, String> query, ApiKeys.Key key) {
        String repository = blankToNull(query.get("repository"));
        if (repository != null && !REPOSITORY.matcher(repository).matches()) {
            return ApiResponse.error(400, "'repository' must be owner/name, found '" + repository + "'");
        }
        String branch = blankToNull(query.get("branch"));
        if (branch != null && (branch.length() > 250 || branch.contains(".."))) {
            return ApiResponse.error(400, "'branch' is not a branch name: '" + branch + "'");
        }
        RunState status = null;
        if (blankToNull(query.get("status")) != null) {
            try {
                status = RunState.valueOf(query.get("status").toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return ApiResponse.error(400, "'status' must be one of " + List.of(RunState.values()) + ", found '"
                        + query.get("status") + "'");
            }
        }
        int limit;
        try {
            limit = query.containsKey("limit") ? Integer.parseInt(query.get("limit")) : DEFAULT_PAGE;
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_PAGE) {
            return ApiResponse.error(400, "'limit' must be from 1 to " + MAX_PAGE + ", found '" + query.get("limit") + "'");
        }
        Map<String, AttributeValue> start;
        try {
            start = decodeCursor(query.get("cursor"));
        } catch (IllegalArgumentException e) {
            return ApiResponse.error(400, "'cursor' is not one this API gave out: pass the 'next' of the previous page");
        }
        if (repository != null && !key.allows(repository)) {
            return ApiResponse.of(200, "runs", List.of(), "next", null); // nothing it may see, as for an unknown repository
        }
        String ref = branch == null ? null : branch.startsWith("refs/") ? branch : "refs/heads/" + branch;
        JobStore.RunPage page = store.listRuns(new JobStore.RunFilter(repository, ref, status),
                run -> key.allows(run.repository()), limit, start);
        long now = clock.millis();
        List<Map<String, Object>> runs = page.runs().stream().map(run -> RunViews.summary(run, now)).toList();
        return ApiResponse.of(200, "runs", runs, "next", page.next() == null ? null : encodeCursor(page.next()));
    }

    /**
     * {@code GET /runs/{runId}}: the run, each job with its attempts and why it waits (in graph
     * order: a job after the jobs it needs), the graph's edges and its matrix groups.
     */
    public ApiResponse show(String runId, ApiKeys.Key key) {
        Optional<RunSnapshot> snapshot = readable(runId, key);
        if (snapshot.isEmpty()) {
            return notFound(runId, key);
        }
        long now = clock.millis();
        Map<String, JobRecord> byKey = new LinkedHashMap<>();
        snapshot.get().jobs().forEach(job -> byKey.put(job.jobKey(), job));
        Map<List<String>, Optional<String>> capacity = new HashMap<>(); // one pool-status read per label set
        List<Map<String, Object>> jobs = new ArrayList<>();
        List<List<String>> edges = new ArrayList<>();
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (JobRecord job : RunViews.inGraphOrder(snapshot.get().jobs())) {
            jobs.add(RunViews.job(job, byKey, labels -> capacity.computeIfAbsent(labels, waiting::forLabels), now));
            job.needs().forEach(need -> edges.add(List.of(need, job.jobKey())));
            if (job.spec().matrix() != null) {
                groups.computeIfAbsent(job.spec().matrix().group(), g -> new ArrayList<>()).add(job.jobKey());
            }
        }
        Map<String, Object> run = RunViews.summary(snapshot.get().run(), now);
        return ApiResponse.of(200, "run", run, "jobs", jobs, "edges", edges, "matrixGroups", groups.entrySet().stream()
                .map(g -> Map.of("group", g.getKey(), "jobs", g.getValue())).toList());
    }

    /**
     * {@code GET /runs/{runId}/jobs/{jobKey}/logs?attempt=N&after=SEQ}: the attempt's chunks after
     * {@code after}, in order, up to {@link #LOG_PAGE_BYTES}; {@code next} is the cursor to pass as
     * {@code after}; {@code finished} says the attempt has ended, {@code complete} that this page
     * reached the end of a finished attempt's log (a follower stops then). {@code tail=true}
     * (without {@code after}): the last page's worth instead, with {@code skippedChunks} before it.
     */
    public ApiResponse logs(String runId, String jobKey, Map<String, String> query, ApiKeys.Key key) {
        Optional<RunSnapshot> snapshot = readable(runId, key);
        if (snapshot.isEmpty()) {
            return notFound(runId, key);
        }
        Optional<JobRecord> found = jobOf(snapshot.get(), jobKey);
        if (found.isEmpty()) {
            return ApiResponse.error(404, "run " + runId + " has no job '" + jobKey + "'; its jobs: "
                    + snapshot.get().jobs().stream().map(JobRecord::jobKey).toList());
        }
        JobRecord job = found.get();
        List<Map<String, Object>> attempts = RunViews.attempts(job, clock.millis());
        Integer after;
        Integer wanted;
        try {
            after = query.containsKey("after") ? Integer.valueOf(query.get("after")) : null;
            wanted = query.containsKey("attempt") ? Integer.valueOf(query.get("attempt")) : null;
        } catch (NumberFormatException e) {
            return ApiResponse.error(400, "'after' and 'attempt' are numbers");
        }
        if (attempts.isEmpty()) {
            boolean over = job.state().isTerminal();
            return ApiResponse.of(200, "runId", runId, "job", job.jobKey(), "attempt", null, "attempts", List.of(),
                    "chunks", List.of(), "next", after, "finished", over, "complete", over, "state", job.state().name());
        }
        Map<String, Object> attempt = wanted == null ? attempts.get(attempts.size() - 1) : attempts.stream()
                .filter(a -> a.get("attempt").equals(wanted)).reduce((first, last) -> last).orElse(null);
        if (attempt == null) {
            return ApiResponse.error(404, "job '" + job.jobKey() + "' has no attempt " + wanted + "; it has "
                    + attempts.stream().map(a -> a.get("attempt")).toList());
        }
        long epoch = (long) attempt.get("epoch");
        String logRun = job.outcome().reusedFromRunId() != null ? job.outcome().reusedFromRunId() : runId;
        List<Map<String, Object>> chunks = new ArrayList<>();
        int bytes = 0;
        boolean tail = "true".equals(query.get("tail")) && after == null;
        LogStore.Listing listing;
        int skipped = 0;
        if (tail) {
            // the end of the log, for a reader who follows a long one: chunks before it are left out, and counted
            LogStore.Tail last = logs.lastChunks(logRun, job.jobKey(), epoch, LOG_PAGE_BYTES);
            listing = new LogStore.Listing(last.chunks(), false);
            skipped = last.skipped();
        } else {
            listing = logs.chunksAfter(logRun, job.jobKey(), epoch, after, 64);
        }
        Integer next = after;
        for (LogStore.Chunk chunk : listing.chunks()) {
            String text = logs.read(chunk.key());
            bytes += text.getBytes(StandardCharsets.UTF_8).length;
            chunks.add(Map.of("seq", chunk.seq(), "text", text));
            next = chunk.seq();
            if (bytes >= LOG_PAGE_BYTES) {
                break;
            }
        }
        boolean finished = Boolean.TRUE.equals(attempt.get("finished"));
        boolean more = listing.more() || chunks.size() < listing.chunks().size();
        return ApiResponse.of(200, "runId", runId, "job", job.jobKey(), "attempt", attempt.get("attempt"),
                "attempts", attempts.stream().map(a -> a.get("attempt")).toList(), "chunks", chunks, "next", next,
                "skippedChunks", skipped, "finished", finished, "complete", finished && !more, "state", job.state().name());
    }

    /** {@code GET /runs/{runId}/artifacts}: each archive kept by a succeeded job, with a download URL good for 15 minutes. */
    public ApiResponse artifacts(String runId, ApiKeys.Key key) {
        Optional<RunSnapshot> snapshot = readable(runId, key);
        if (snapshot.isEmpty()) {
            return notFound(runId, key);
        }
        List<Map<String, Object>> archives = new ArrayList<>();
        Map<String, Map<String, Long>> sizes = new HashMap<>(); // one listing per run that holds archives
        for (JobRecord job : snapshot.get().jobs()) {
            if (job.state() != JobState.SUCCEEDED || job.spec().artifacts().isEmpty() || job.outcome().artifactSha256() == null) {
                continue;
            }
            String archiveRun = job.outcome().reusedFromRunId() != null ? job.outcome().reusedFromRunId() : runId;
            Long size = sizes.computeIfAbsent(archiveRun, artifacts::sizes)
                    .get(ArtifactStore.key(archiveRun, job.jobKey(), job.lease().epoch()));
            if (size == null) {
                continue; // a job whose paths matched nothing kept no archive
            }
            ArtifactStore.SignedUrl url = artifacts.userDownloadUrl(archiveRun, job.jobKey(), job.lease().epoch(),
                    job.jobKey().replaceAll("[^A-Za-z0-9_.-]", "_") + "-artifacts.tar.gz");
            Map<String, Object> archive = new LinkedHashMap<>();
            archive.put("job", job.jobKey());
            archive.put("name", job.name());
            archive.put("attempt", job.attempts().current());
            archive.put("paths", job.spec().artifacts());
            archive.put("sizeBytes", size);
            archive.put("sha256", job.outcome().artifactSha256());
            archive.put("url", url.url().toString());
            archive.put("expiresAtEpochMs", url.expiresAtEpochMs());
            archives.add(archive);
        }
        return ApiResponse.of(200, "runId", runId, "artifacts", archives);
    }

    /** The run if it exists and the key covers its repository. */
    public Optional<RunSnapshot> readable(String runId, ApiKeys.Key key) {
        if (runId == null || !RUN_ID.matcher(runId).matches()) {
            return Optional.empty();
        }
        return store.readRun(runId).filter(snapshot -> key.allows(snapshot.run().repository()));
    }

    private static ApiResponse notFound(String runId, ApiKeys.Key key) {
        return ApiResponse.noRun(runId, key.name());
    }

    private static Optional<JobRecord> jobOf(RunSnapshot snapshot, String jobKey) {
        if (jobKey == null || !JOB_KEY.matcher(jobKey).matches()) {
            return Optional.empty();
        }
        return snapshot.jobs().stream().filter(j -> j.jobKey().equals(jobKey)).findFirst();
    }

    static String encodeCursor(Map<String, AttributeValue> key) {
        Map<String, String> plain = new LinkedHashMap<>();
        key.forEach((name, value) -> plain.put(name, value.n() != null ? "n:" + value.n() : "s:" + value.s()));
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(plain));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, AttributeValue> decodeCursor(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            Map<String, String> plain = JSON.readValue(Base64.getUrlDecoder().decode(cursor), new TypeReference<>() { });
            if (!plain.keySet().equals(java.util.Set.of("pk", "sk", "runsShard", "createdAtEpochMs"))) {
                throw new IllegalArgumentException("cursor keys");
            }
            Map<String, AttributeValue> key = new HashMap<>();
            plain.forEach((name, value) -> key.put(name, value.startsWith("n:")
                    ? AttributeValue.fromN(String.valueOf(Long.parseLong(value.substring(2))))
                    : AttributeValue.fromS(value.substring(value.indexOf(':') + 1))));
            return key;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a cursor", e);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
