package dev.deltaci.local.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a reader is in one attempt's log: the last sequence number read. Each {@link #read}
 * asks the API for the chunks after it, page by page, until the API has no more for now;
 * {@link #complete()} once the attempt has ended and every chunk was read.
 */
public final class LogCursor {

    private final ControlApiClient api;
    private final String runId;
    private final String jobKey;
    private final Integer attempt;
    private Integer after;
    private boolean complete;
    private String state;
    private Integer attemptRead;

    /** @param attempt the attempt to read, or null for the job's latest */
    public LogCursor(ControlApiClient api, String runId, String jobKey, Integer attempt) {
        this.api = api;
        this.runId = runId;
        this.jobKey = jobKey;
        this.attempt = attempt;
    }

    /** A chunk of text as read, with its place. */
    public record Chunk(int attempt, int seq, String text) {
    }

    /** The chunks that arrived since the last read (at most {@code maxPages} pages), in order. */
    public List<Chunk> read(int maxPages) throws IOException, ControlApiClient.ApiError, InterruptedException {
        List<Chunk> chunks = new ArrayList<>();
        for (int page = 0; page < maxPages && !complete; page++) {
            JsonNode answer = api.logs(runId, jobKey, attempt == null ? attemptRead : attempt, after);
            state = answer.path("state").asText(null);
            if (!answer.path("attempt").isNull() && !answer.path("attempt").isMissingNode()) {
                attemptRead = answer.get("attempt").asInt();
            }
            for (JsonNode chunk : answer.path("chunks")) {
                chunks.add(new Chunk(answer.path("attempt").asInt(), chunk.path("seq").asInt(), chunk.path("text").asText()));
            }
            if (answer.hasNonNull("next")) {
                after = answer.get("next").asInt();
            }
            complete = answer.path("complete").asBoolean(false);
            if (answer.path("chunks").isEmpty()) {
                break;
            }
        }
        return chunks;
    }

    public boolean complete() {
        return complete;
    }

    /** The attempt being read (once the first read has pinned the latest), or null before. */
    public Integer attempt() {
        return attempt != null ? attempt : attemptRead;
    }

    /** The job's state as the last read saw it. */
    public String state() {
        return state;
    }
}
