package dev.deltaci.core.job;

import dev.deltaci.core.expr.Evaluator;
import dev.deltaci.core.expr.ExpressionException;
import dev.deltaci.core.expr.ExpressionParser;
import dev.deltaci.core.expr.Scope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides which blocked jobs of a run move on, from a snapshot of all its jobs. Pure and
 * convergent: applying its decisions and asking again yields no new decisions.
 */
public final class DagProgress {

    /**
     * What the scheduler sees of one job: {@code condition} is its {@code if:} (null for
     * {@code success()}); {@code group} and {@code maxParallel} tie matrix siblings together
     * (null and 0 otherwise); {@code outputs} is what it gave its dependants when it ended.
     */
    public record JobNode(String key, JobState state, List<String> needs, String condition, String group,
                          int maxParallel, Map<String, String> outputs, dev.deltaci.core.pipeline.WorkflowCall call) {

        public JobNode {
            outputs = outputs == null ? Map.of() : outputs;
        }

        public JobNode(String key, JobState state, List<String> needs, String condition, String group, int maxParallel) {
            this(key, state, needs, condition, group, maxParallel, Map.of(), null);
        }

        public JobNode(String key, JobState state, List<String> needs) {
            this(key, state, needs, null, null, 0);
        }

        public JobNode(String key, JobState state, List<String> needs, String condition) {
            this(key, state, needs, condition, null, 0);
        }

        public JobNode withState(JobState newState) {
            return new JobNode(key, newState, needs, condition, group, maxParallel, outputs, call);
        }
    }

    /**
     * What a job's {@code if:} may know of its run: its contexts ({@code delta}, {@code inputs}),
     * and whether it was cancelled.
     */
    public record RunFacts(Map<String, Object> contexts, boolean cancelled) {
        public static final RunFacts NONE = new RunFacts(Map.of(), false);
    }

    /** Jobs to queue now, and jobs to skip with the reason. */
    public record Decisions(List<String> toQueue, Map<String, String> toSkip) {
        public boolean isEmpty() {
            return toQueue.isEmpty() && toSkip.isEmpty();
        }
    }

    private DagProgress() {
    }

    /**
     * The state a job starts in when its run is created: QUEUED if it needs nothing and has no
     * {@code if:}; otherwise BLOCKED, to be decided by {@link #next}.
     */
    public static JobState initialState(List<String> needs, String condition) {
        return needs.isEmpty() && condition == null ? JobState.QUEUED : JobState.BLOCKED;
    }

    public static Decisions next(Map<String, JobNode> jobs) {
        return next(jobs, RunFacts.NONE);
    }

    public static Decisions next(Map<String, JobNode> jobs, RunFacts facts) {
        List<String> toQueue = new ArrayList<>();
        Map<String, String> toSkip = new LinkedHashMap<>();
        Map<String, Integer> activeInGroup = new HashMap<>();
        for (JobNode job : jobs.values()) {
            if (job.group() != null && (job.state() == JobState.QUEUED || job.state() == JobState.RUNNING)) {
                activeInGroup.merge(job.group(), 1, Integer::sum);
            }
        }
        for (JobNode job : jobs.values()) {
            if (job.state() != JobState.BLOCKED) {
                continue;
            }
            int queuedBefore = toQueue.size();
            if (job.condition() != null) {
                decideByCondition(job, jobs, facts, toQueue, toSkip);
            } else {
                decideByNeeds(job, jobs, toQueue, toSkip);
            }
            if (toQueue.size() > queuedBefore && job.group() != null) {
                if (job.maxParallel() > 0 && activeInGroup.getOrDefault(job.group(), 0) >= job.maxParallel()) {
                    toQueue.remove(toQueue.size() - 1); // max-parallel: waits for a sibling to finish
                } else {
                    activeInGroup.merge(job.group(), 1, Integer::sum);
                }
            }
        }
        return new Decisions(toQueue, toSkip);
    }

    /** Without an {@code if:}: queued once every need succeeded, skipped as soon as one did not. */
    private static void decideByNeeds(JobNode job, Map<String, JobNode> jobs, List<String> toQueue,
                                      Map<String, String> toSkip) {
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

    /**
     * A job with an {@code if:} waits until every job it needs has finished, then runs if the
     * condition holds: {@code success()} means they all succeeded, {@code failure()} that one
     * failed or timed out, {@code always()} is true.
     */
    private static void decideByCondition(JobNode job, Map<String, JobNode> jobs, RunFacts facts,
                                          List<String> toQueue, Map<String, String> toSkip) {
        List<NeedsContext.Need> needs = new java.util.ArrayList<>();
        boolean allSucceeded = true;
        boolean anyFailed = false;
        for (String need : job.needs()) {
            JobNode dependency = jobs.get(need);
            JobState state = dependency == null ? JobState.SKIPPED : dependency.state();
            if (!state.isTerminal()) {
                return;
            }
            allSucceeded &= state == JobState.SUCCEEDED;
            anyFailed |= state == JobState.FAILED || state == JobState.TIMED_OUT;
            // needs.<job> names the job as written: a matrix's instances answer together
            needs.add(new NeedsContext.Need(dependency == null || dependency.group() == null ? need : dependency.group(),
                    state, dependency == null ? Map.of() : dependency.outputs(), dependency == null ? null : dependency.call()));
        }
        Map<String, Object> contexts = new LinkedHashMap<>(facts.contexts());
        contexts.put("needs", NeedsContext.of(needs, job.call()));
        Scope scope = new Scope(contexts, allSucceeded, anyFailed, facts.cancelled());
        try {
            if (Evaluator.condition(ExpressionParser.parse(job.condition()), scope)) {
                toQueue.add(job.key());
            } else {
                toSkip.put(job.key(), "if: " + job.condition() + " is false");
            }
        } catch (ExpressionException e) {
            toSkip.put(job.key(), "if: " + job.condition() + " cannot be evaluated: " + e.getMessage());
        }
    }

}
