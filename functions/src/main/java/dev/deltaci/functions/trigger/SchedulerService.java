package dev.deltaci.functions.trigger;

import dev.deltaci.core.pipeline.ScheduleTrigger;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.run.RunStarter.Decision;
import dev.deltaci.functions.run.RunStarter;
import dev.deltaci.functions.store.ScheduleStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The scheduled function behind {@code on: schedule}: once a minute, for each repository whose
 * default branch declares crons, starts a run of that branch's latest pushed commit for every
 * cron that fell due since the last look. Safe to run twice at once or to repeat after a crash:
 * the run id is derived from repository, cron and due time, so a due time starts one run at most.
 */
public final class SchedulerService {

    /** What one tick did. */
    public record TickReport(int repositories, int started, int failed) {
    }

    private final ScheduleStore schedules;
    private final RunStarter starter;
    private final Clock clock;

    public SchedulerService(ScheduleStore schedules, RunStarter starter, Clock clock) {
        this.schedules = schedules;
        this.starter = starter;
        this.clock = clock;
    }

    public TickReport tick() {
        Instant now = clock.instant();
        int started = 0;
        int failed = 0;
        var entries = schedules.list();
        for (ScheduleStore.Entry entry : entries) {
            boolean allStarted = true;
            for (String cron : entry.crons()) {
                Optional<Instant> due = ScheduleTrigger.lastDue(cron, now);
                if (due.isEmpty() || due.get().toEpochMilli() <= entry.checkedUntilEpochMs()) {
                    continue;
                }
                String runId = RunStarter.runIdFor("schedule", entry.repository() + "|" + cron + "|" + due.get());
                ApiResponse answer = starter.start(runId, new RunStarter.RunSource("schedule", entry.repository(),
                        entry.cloneUrl(), entry.sha(), entry.ref()), pipeline ->
                        pipeline.on().schedule() != null && pipeline.on().schedule().crons().contains(cron)
                                ? Decision.start() : Decision.ignore("cron '" + cron + "' is no longer scheduled"));
                if (answer.status() == 201) {
                    started++;
                } else if (answer.status() >= 500) {
                    allStarted = false; // the repository could not be read: try again next tick
                    failed++;
                }
            }
            if (allStarted) {
                schedules.checked(entry.repository(), entry.checkedUntilEpochMs(), now.toEpochMilli());
            }
        }
        return new TickReport(entries.size(), started, failed);
    }
}
