package dev.deltaci.functions.queue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The body of a job's queue message. It carries the epoch the job had when queued, so the lease
 * taken on its behalf is conditional on that epoch: a duplicate or late message cannot lease a
 * job that has moved on.
 */
public record JobMessage(String runId, String jobKey, long epoch) {

    private static final ObjectMapper JSON = new ObjectMapper();

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
