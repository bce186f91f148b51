package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.deltaci.functions.store.RunRecord;
import dev.deltaci.functions.store.ScheduleStore;
import dev.deltaci.functions.trigger.SchedulerService.TickReport;
import dev.deltaci.local.host.GitHubPush;
import dev.deltaci.local.host.LocalControlPlane;
import dev.deltaci.local.repo.LocalRepository;
import dev.deltaci.local.support.MutableClock;
import dev.deltaci.local.support.PlaneFixture;
import dev.deltaci.local.support.PlaneTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * on: schedule through the scheduled function, with an injected clock: a push to the default
 * branch registers the crons, each due time starts one run of the branch's head (however often
 * the function runs), and crons the head no longer declares are forgotten when they fall due.
 */
class ScheduleTest extends PlaneTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final MutableClock clock = new MutableClock();

    @Override
    protected LocalControlPlane.Options options(LocalControlPlane.Options o) {
        return o.withClock(clock).withScheduleInterval(null);
    }

    private GitHubPush.Delivery push(LocalRepository repo) throws Exception {
        return GitHubPush.send(plane.apiUrl(), PlaneFixture.SECRET, GitHubPush.payload(repo));
    }

    private List<RunRecord> allRuns() {
        try (var dynamo = stack.endpoints().dynamoClient()) {
            return dynamo.scan(b -> b.tableName(stack.resources().ref("DeltaTable"))).items().stream()
                    .filter(item -> "RUN".equals(item.get("sk").s()))
                    .map(item -> store.getRun(item.get("runId").s()).orElseThrow()).toList();
        }
    }

    @Test
    void aScheduledPipeline_shouldStartOneRunPerDueTime_ofTheDefaultBranchsLatestPush() throws Exception {
        LocalRepository repo = fixture.repository("""
                on:
                  schedule:
                    - cron: '*/5 * * * *'
                jobs:
                  nightly:
                    steps: [{run: echo nightly}]
                """);
        GitHubPush.Delivery pushed = push(repo);
        assertThat(pushed.status()).isEqualTo(202);
        assertThat(JSON.readTree(pushed.body()).get("ignored").asText())
                .isEqualTo("the pipeline does not run on push ('on' lists schedule)");
        List<ScheduleStore.Entry> entries = plane.plane().scheduleStore().list();
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.repository()).isEqualTo(repo.name());
            assertThat(e.sha()).isEqualTo(repo.sha());
            assertThat(e.crons()).containsExactly("*/5 * * * *");
        });

        // move to one minute before the next 5-minute mark: nothing is due since the push
        Instant now = clock.instant();
        long toNextMark = Duration.ofMinutes(5).toMillis() - now.toEpochMilli() % Duration.ofMinutes(5).toMillis();
        clock.advance(Duration.ofMillis(toNextMark).minusMinutes(1));
        assertThat(((TickReport) plane.scheduleNow()).started()).isZero();

        clock.advance(Duration.ofMinutes(1).plusSeconds(5));
        TickReport due = (TickReport) plane.scheduleNow();
        TickReport again = (TickReport) plane.scheduleNow();

        assertThat(due.started()).isEqualTo(1);
        assertThat(again.started()).as("a due time starts one run, however often the scheduler runs").isZero();
        List<RunRecord> runs = allRuns();
        assertThat(runs).singleElement().satisfies(run -> {
            assertThat(run.trigger()).isEqualTo("schedule");
            assertThat(run.sha()).isEqualTo(repo.sha());
            assertThat(run.ref()).isEqualTo("refs/heads/main");
        });
        assertThat(store.listJobs(runs.get(0).runId())).extracting(j -> j.jobKey()).containsExactly("nightly");
    }

    @Test
    void aPushWithoutSchedules_shouldWriteNothing_andTheSchedulerForgetThemWhenTheyFallDue_atTheBranchsHead()
            throws Exception {
        LocalRepository scheduled = fixture.repository("on: {schedule: [{cron: '* * * * *'}]}\njobs:\n  a:\n    steps: [{run: x}]\n");
        push(scheduled);
        assertThat(plane.plane().scheduleStore().list()).hasSize(1);

        LocalRepository unscheduled = commit(scheduled, "jobs:\n  a:\n    steps: [{run: x}]\n");
        LocalRepository onBranch = new LocalRepository(unscheduled.cloneUrl(), unscheduled.sha(), "refs/heads/feature",
                unscheduled.name(), unscheduled.message(), null, null);
        assertThat(push(onBranch).status()).isEqualTo(201);
        assertThat(plane.plane().scheduleStore().list()).as("only the default branch decides").hasSize(1);

        assertThat(push(unscheduled).status()).isEqualTo(201);
        assertThat(plane.plane().scheduleStore().list()).as("a push without schedules writes nothing").hasSize(1);

        // the cron falls due: the scheduler reads the branch's head, which no longer declares it
        clock.advance(Duration.ofMinutes(1).plusSeconds(5));
        TickReport due = (TickReport) plane.scheduleNow();
        assertThat(due.started()).isZero();
        assertThat(allRuns()).noneMatch(run -> run.trigger().equals("schedule"));
        assertThat(plane.plane().scheduleStore().list()).isEmpty();
    }

    @Test
    void aDueCron_shouldRunTheBranchsHead_notTheCommitThatRegisteredIt() throws Exception {
        LocalRepository first = fixture.repository("on: {schedule: [{cron: '* * * * *'}]}\njobs:\n  a:\n    steps: [{run: x}]\n");
        push(first);
        // a later commit on main whose push was never delivered (GitHub down, say): the schedule runs it all the same
        LocalRepository head = commit(first, "on: {schedule: [{cron: '* * * * *'}]}\njobs:\n  b:\n    steps: [{run: y}]\n");

        clock.advance(Duration.ofMinutes(1).plusSeconds(5));
        assertThat(((TickReport) plane.scheduleNow()).started()).isEqualTo(1);
        assertThat(allRuns()).singleElement().satisfies(run -> {
            assertThat(run.sha()).isEqualTo(head.sha()).isNotEqualTo(first.sha());
            assertThat(store.listJobs(run.runId())).extracting(j -> j.jobKey()).containsExactly("b");
        });
        assertThat(plane.plane().scheduleStore().list()).hasSize(1);
    }

    /** A second commit on the fixture repository's main branch, with another pipeline. */
    private static LocalRepository commit(LocalRepository repo, String pipeline) throws Exception {
        Path dir = Path.of(repo.cloneUrl());
        Files.writeString(dir.resolve(".delta/pipeline.yml"), pipeline);
        for (List<String> args : List.of(List.of("add", "-A"),
                List.of("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "change"))) {
            List<String> command = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
            command.addAll(args);
            assertThat(new ProcessBuilder(command).inheritIO().start().waitFor()).isZero();
        }
        Process rev = new ProcessBuilder("git", "-C", dir.toString(), "rev-parse", "HEAD").start();
        String sha = new String(rev.getInputStream().readAllBytes()).strip();
        return new LocalRepository(repo.cloneUrl(), sha, repo.ref(), repo.name(), "change", null, null);
    }
}
