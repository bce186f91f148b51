package dev.deltaci.functions.report;

import dev.deltaci.functions.queue.ReportQueue;
import dev.deltaci.functions.run.JobLifecycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Hears every change of a run's jobs and asks the reporter to bring GitHub up to date. A message
 * that cannot be sent is logged and dropped rather than failing the transition it follows: the
 * job's state is what matters, and the run's next change (each job's end, the run's end) sends
 * a message whose pass reports everything GitHub has not seen.
 */
public final class ReportNudges implements JobLifecycle.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ReportNudges.class);

    private final ReportQueue queue;

    public ReportNudges(ReportQueue queue) {
        this.queue = queue;
    }

    @Override
    public void jobsChanged(String runId) {
        try {
            queue.changed(runId);
        } catch (SdkException e) {
            LOG.warn("could not ask for run {} to be reported to GitHub: {}", runId, e.getMessage());
        }
    }
}
