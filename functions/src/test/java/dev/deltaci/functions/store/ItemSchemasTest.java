package dev.deltaci.functions.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.job.JobState;
import dev.deltaci.core.job.RunState;
import dev.deltaci.core.pipeline.JobSpec;
import dev.deltaci.core.pipeline.PipelineParser;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The static schemas keep the table's layout: a created item has the attributes the lease
 * protocol's conditions expect (and no others), and every record reads back as it was written,
 * including what update expressions leave behind (NULs in history entries, counters).
 */
class ItemSchemasTest {

    private static final RunRecord RUN = new RunRecord("r-1", "o/repo", "https://x/o/repo.git", "abc", "refs/heads/main",
            "push", RunState.PENDING, null, null, 2, false, 1000, 1000, null, null, false, Map.of("who", "me"), true);

    @Test
    void aCreatedJob_shouldHaveTheLayoutTheConditionsExpect() throws Exception {
        JobSpec spec = PipelineParser.parse("p.yml", "jobs:\n  build:\n    labels: [gpu]\n    steps: [{run: make}]\n")
                .jobs().get("build");

        Map<String, AttributeValue> item = ItemSchemas.JOB.itemToMap(JobRecord.created(RUN, spec, JobState.QUEUED, new JobPlace(2, true, true), 5000), true);

        assertThat(item.keySet()).containsExactlyInAnyOrder("pk", "sk", "type", "runId", "jobKey", "name", "state", "needs",
                "spec", "cloneUrl", "sha", "ref", "repository", "event", "inputs", "fork", "attempt", "leaseEpoch",
                "createdAtEpochMs", "queuedAtEpochMs", "enqueuedAtEpochMs", "queueShard", "labelsKey", "runJobCount", "marksStart",
                "endsAlone");
        assertThat(item).containsEntry("pk", AttributeValue.fromS("RUN#r-1")).containsEntry("sk", AttributeValue.fromS("JOB#build"))
                .containsEntry("state", AttributeValue.fromS("QUEUED")).containsEntry("leaseEpoch", AttributeValue.fromN("0"))
                .containsEntry("attempt", AttributeValue.fromN("1")).containsEntry("queueShard", AttributeValue.fromS("queued#0"))
                .containsEntry("fork", AttributeValue.fromBool(true))
                .containsEntry("runJobCount", AttributeValue.fromN("2")).containsEntry("endsAlone", AttributeValue.fromBool(true));
        assertThat(ItemSchemas.JOB.mapToItem(item).place()).isEqualTo(new JobPlace(2, true, true));
        Map<String, AttributeValue> blocked = ItemSchemas.JOB.itemToMap(JobRecord.created(RUN, spec, JobState.BLOCKED, new JobPlace(2, false, false), 5000), true);
        assertThat(blocked).doesNotContainKeys("queueShard", "queuedAtEpochMs", "enqueuedAtEpochMs", "endsAlone");
        assertThat(ItemSchemas.JOB.mapToItem(blocked).place().endsAlone()).isFalse();
    }

    @Test
    void aJob_asTheLeaseProtocolLeftIt_shouldReadBackWhole() throws Exception {
        JobSpec spec = PipelineParser.parse("p.yml", "jobs:\n  build:\n    steps: [{run: make}]\n").jobs().get("build");
        JobRecord job = new JobRecord("r-1", "build", "build", JobState.FAILED, List.of("a"), spec,
                JobSource.of(RUN), new JobLease(3, "runner-b", 9000, 8000, "runner-a"),
                new JobAttempts(2, 1, 0, List.of(new AttemptRecord(1, 1, "runner-a", 10, 20, "QUEUED", "infra_error", null))),
                new JobTimes(1, 2, 3, 4, 5), new JobOutcome(7, "script_failure", "exit 7", 4, "ab".repeat(32)),
                "g#1", null);

        Map<String, AttributeValue> item = new java.util.HashMap<>(ItemSchemas.JOB.itemToMap(job, true));
        // an update expression writes NUL for an absent value: it reads as absent
        item.put("artifactSha256", AttributeValue.fromNul(true));
        item.put("history", Items.historyEntry(job.attempts().history().get(0)));

        JobRecord read = ItemSchemas.JOB.mapToItem(item);
        assertThat(read).isEqualTo(new JobRecord(job.runId(), job.jobKey(), job.name(), job.state(), job.needs(), spec,
                job.source(), job.lease(), job.attempts(), job.times(),
                new JobOutcome(7, "script_failure", "exit 7", 4, null), "g#1", null));
    }

    @Test
    void anItemMissingWhatANewerVersionAdds_shouldTakeTheDefaults() {
        Map<String, AttributeValue> item = Map.of("pk", AttributeValue.fromS("RUN#r"), "sk", AttributeValue.fromS("JOB#j"),
                "runId", AttributeValue.fromS("r"), "jobKey", AttributeValue.fromS("j"), "state", AttributeValue.fromS("BLOCKED"));

        JobRecord read = ItemSchemas.JOB.mapToItem(item);

        assertThat(read.attempts().current()).isEqualTo(1);
        assertThat(read.outcome().logChunks()).isEqualTo(-1);
        assertThat(read.lease()).isEqualTo(JobLease.NONE);
        assertThat(read.needs()).isEmpty();
    }

    @Test
    void aRun_shouldReadBackWhole_andSitInTheStartIndexUntilMaterialized() {
        Map<String, AttributeValue> item = ItemSchemas.RUN.itemToMap(RUN, true);

        assertThat(item).containsEntry("queueShard", AttributeValue.fromS("starting#0"))
                .containsEntry("enqueuedAtEpochMs", AttributeValue.fromN("1000")).containsEntry("sk", AttributeValue.fromS("RUN"));
        assertThat(ItemSchemas.RUN.mapToItem(item)).isEqualTo(RUN);
        RunRecord materialized = new RunRecord("r-1", "o/repo", "u", "abc", "refs/heads/main", "push", RunState.RUNNING,
                null, null, 2, true, 1000, 1000, "alice", "deploy", true, Map.of(), false);
        assertThat(ItemSchemas.RUN.itemToMap(materialized, true)).doesNotContainKeys("queueShard", "enqueuedAtEpochMs", "fork");
        assertThat(ItemSchemas.RUN.mapToItem(ItemSchemas.RUN.itemToMap(materialized, true))).isEqualTo(materialized);
    }
}
