package dev.deltaci.api;

import java.util.List;

/**
 * The body of a job's queue message. It carries the epoch the job had when queued, so the lease
 * taken on its behalf is conditional on that epoch: a duplicate or late message cannot lease a
 * job that has moved on. It also carries the job's runner labels, so a runner without them passes
 * the message on without asking for a lease ({@code passes} counts how often that happened).
 */
public record JobMessage(String runId, String jobKey, long epoch, List<String> labels, int passes) {

    public JobMessage {
        labels = labels == null ? List.of() : List.copyOf(labels);
    }

    public JobMessage(String runId, String jobKey, long epoch, List<String> labels) {
        this(runId, jobKey, epoch, labels, 0);
    }

    /** A message for a job any runner may take. */
    public JobMessage(String runId, String jobKey, long epoch) {
        this(runId, jobKey, epoch, List.of(), 0);
    }

    /** The same message, passed on once more by a runner that could not take it. */
    public JobMessage passedOn() {
        return new JobMessage(runId, jobKey, epoch, labels, passes + 1);
    }

    public String toJson() {
        return WireJson.write(this);
    }

    /** Parses a message body; throws {@link IllegalArgumentException} on anything malformed. */
    public static JobMessage fromJson(String body) {
        JobMessage message;
        try {
            message = WireJson.read(body, JobMessage.class);
        } catch (WireJson.Invalid e) {
            throw new IllegalArgumentException("job message is not one: " + e.getMessage(), e);
        }
        if (message.runId() == null || message.jobKey() == null) {
            throw new IllegalArgumentException("job message lacks runId or jobKey: " + body);
        }
        return message;
    }
}
