package dev.deltaci.functions.trigger;

import dev.deltaci.core.pipeline.ScheduleTrigger;
import dev.deltaci.functions.http.ApiResponse;
import dev.deltaci.functions.run.RunStarter.Decision;
import dev.deltaci.functions.run.RunStarter;
import dev.deltaci.functions.store.ScheduleStore;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import dev.deltaci.functions.repo.PipelineSource;

/**
 * The scheduled function behind {@code on: schedule}: once a minute, for each repository whose
 * default branch declared crons, starts a run of that branch's head commit (as GitHub does) for
 * every cron that fell due since the last look — if the head still declares it. A repository
 * whose head declares no cron any more is forgotten: pushes that drop schedules write nothing.
 * Safe to run twice at once or to repeat after a crash: the run id is derived from repository,
 * cron and due time, so a due time starts one run at most.
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
            // each cron that fell due since the last look, with the time it fell due
            Map<String, Instant> due = new LinkedHashMap<>();
            for (String cron : entry.crons()) {
                ScheduleTrigger.lastDue(cron, now).filter(at -> at.toEpochMilli() > entry.checkedUntilEpochMs())
                        .ifPresent(at -> due.put(cron, at));
            }
            if (due.isEmpty()) {
                continue;
            }
            Optional<PipelineSource.ResolvedRef> head;
            try {
                head = starter.pipelines().resolve(entry.cloneUrl(), entry.ref());
            } catch (PipelineSource.RepositoryUnavailableException e) {
                failed++; // try again next tick
                continue;
            }
            if (head.isEmpty()) {
                schedules.remove(entry.repository(), entry.pushedAtEpochMs()); // the branch is gone
                continue;
            }
            boolean allStarted = true;
            Set<String> declared = new HashSet<>(); // by the head's pipeline or workflows, together
            for (Map.Entry<String, Instant> fell : due.entrySet()) {
                String cron = fell.getKey();
                String runId = RunStarter.runIdFor("schedule", entry.repository() + "|" + cron + "|" + fell.getValue());
                ApiResponse answer = starter.start(runId, new RunStarter.RunSource("schedule", entry.repository(),
                        entry.cloneUrl(), head.get().sha(), entry.ref()), pipeline -> {
                            if (pipeline.on().schedule() != null) {
                                declared.addAll(pipeline.on().schedule().crons());
                            }
                            return pipeline.on().schedule() != null && pipeline.on().schedule().crons().contains(cron)
                                    ? Decision.start() : Decision.ignore("cron '" + cron + "' is no longer scheduled");
                        });
                if (answer.status() == 201) {
                    started++;
                } else if (answer.status() >= 500) {
                    allStarted = false; // the repository could not be read: try again next tick
                    failed++;
                }
            }
            if (allStarted && declared.isEmpty()) {
                // the head declares no schedule: forget the repository, unless a push registered anew since
                schedules.remove(entry.repository(), entry.pushedAtEpochMs());
            } else if (allStarted) {
                schedules.checked(entry.repository(), entry.checkedUntilEpochMs(), now.toEpochMilli());
            }
        }
        return new TickReport(entries.size(), started, failed);
    }
}
