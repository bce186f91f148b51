package dev.deltaci.core.pipeline;

import java.util.Set;

/**
 * A job that came from a reusable workflow ({@code jobs.<caller>.uses: ./.github/workflows/x.yml}):
 * the calling job's key, which the jobs that need the caller name it by ({@code needs.<caller>}),
 * and which of this job's outputs are the called workflow's ({@code on.workflow_call.outputs}),
 * the only ones they see.
 */
public record WorkflowCall(String caller, Set<String> outputs) {
    public WorkflowCall {
        outputs = outputs == null ? Set.of() : Set.copyOf(outputs);
    }
}
