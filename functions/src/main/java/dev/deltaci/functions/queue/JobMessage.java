package dev.deltaci.functions.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;

/**
 * The body of a job's queue message. It carries the epoch the job had when queued, so the lease
 * taken on its behalf is conditional on that epoch: a duplicate or late message cannot lease a
 * job that has moved on. It also carries the job's runner labels, so a runner without them passes
 * the message on without asking for a lease ({@code passes} counts how often that happened).
 */
public record JobMessage(String runId, String jobKey, long epoch, List<String> labels, int passes) {

    private static final ObjectMapper JSON = new ObjectMapper();

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

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses a message body; throws {@link IllegalArgumentException} on anything malformed. */
    public static JobMessage fromJson(String body) {
        try {
            JobMessage message = JSON.readValue(body, JobMessage.class);
            if (message.runId() == null || message.jobKey() == null) {
                throw new IllegalArgumentException("job message lacks runId or jobKey: " + body);
            }
            return message;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("job message is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
