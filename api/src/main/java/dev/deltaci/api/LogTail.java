package dev.deltaci.api;

/**
 * An attempt's last log chunk, sent with its completion instead of on its own: one request fewer
 * per job. It is stored before the completion is written, under the same rules as a chunk sent
 * to {@code /runner/logs} ({@code token} is the lease's latest log token; null: the stored lease
 * is read instead).
 */
public record LogTail(int seq, String text, String token) {
    public LogTail {
        if (seq < 0) {
            throw new IllegalArgumentException("'lastLog.seq' must be 0 or more");
        }
        WireChecks.required("lastLog.text", text);
    }
}
