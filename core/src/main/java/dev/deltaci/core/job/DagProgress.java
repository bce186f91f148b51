package dev.deltaci.core.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides which blocked jobs of a run move on, from a snapshot of all its jobs. Pure and
 * convergent: applying its decisions and asking again yields no new decisions.
 */
public final class DagProgress {

    /** What the scheduler sees of one job. */
    public record JobNode(String key, JobState state, List<String> needs) {
    }

    /** Jobs to queue now, and jobs to skip with the reason. */
    public record Decisions(List<String> toQueue, Map<String, String> toSkip) {
        public boolean isEmpty() {
            return toQueue.isEmpty() && toSkip.isEmpty();
        }
    }

    private DagProgress() {
    }

    /** The state a job starts in when its run is created. */
    public static JobState initialState(List<String> needs) {
        return needs.isEmpty() ? JobState.QUEUED : JobState.BLOCKED;
    }

    public static Decisions next(Map<String, JobNode> jobs) {
        List<String> toQueue = new ArrayList<>();
        Map<String, String> toSkip = new LinkedHashMap<>();
        for (JobNode job : jobs.values()) {
            if (job.state() != JobState.BLOCKED) {
                continue;
            }
            String blocker = null;
            boolean allSucceeded = true;
            for (String need : job.needs()) {
                JobNode dependency = jobs.get(need);
                JobState state = dependency == null ? JobState.SKIPPED : dependency.state();
                if (state.blocksDependants() && blocker == null) {
                    blocker = "needs '" + need + "', which ended " + state;
                }
                allSucceeded &= state == JobState.SUCCEEDED;
            }
            if (blocker != null) {
                toSkip.put(job.key(), blocker);
            } else if (allSucceeded) {
                toQueue.add(job.key());
            }
        }
        return new Decisions(toQueue, toSkip);
    }
}
