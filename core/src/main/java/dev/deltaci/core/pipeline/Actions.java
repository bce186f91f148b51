package dev.deltaci.core.pipeline;

import java.util.Locale;

/**
 * What a step's {@code uses:} of an action Delta CI does not run should say instead: the Delta
 * way for the common ones (setup-*, artifacts, cache, Docker actions), a plain refusal otherwise.
 */
final class Actions {

    private Actions() {
    }

    static String notRun(String action) {
        String lower = action.toLowerCase(Locale.ROOT);
        String repository = lower.contains("@") ? lower.substring(0, lower.indexOf('@')) : lower;
        String head = "'uses: " + action + "' ";
        if (lower.startsWith("docker://")) {
            return head + "runs a container image; give the job 'image: " + action.substring("docker://".length())
                    + "' and run the command in a 'run:' step";
        }
        if (repository.equals("actions/upload-artifact") || repository.equals("actions/download-artifact")) {
            return head + "is not needed: list the job's files under 'artifacts:' and every job that needs it gets "
                    + "them in its workspace";
        }
        if (repository.equals("actions/cache") || repository.startsWith("actions/cache/")) {
            return head + "is not supported: Delta CI has no cache service yet; keep dependencies in the runner's "
                    + "image or the job's 'image:'";
        }
        if (repository.matches(".*/(setup-[a-z0-9-]+|[a-z0-9-]*-toolchain|action-setup)(/.*)?")) {
            return head + "installs a tool, which Delta CI leaves to the runner: use a runner image that has it, or "
                    + "give the job an 'image:' that does (e.g. 'image: node:20')";
        }
        return head + "is a third-party action, which Delta CI does not run; write what it does as 'run:' steps "
                + "(actions/checkout is built in)";
    }
}
