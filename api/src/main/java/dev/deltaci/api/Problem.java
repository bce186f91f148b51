package dev.deltaci.api;

/**
 * A call refused without an outcome: malformed (400), not authenticated (401), too large (413),
 * or the control plane struggling (429, 5xx). Built by the client from the HTTP answer; the
 * server writes it as {@code {"error": ...}}.
 */
public record Problem(int status, String error) implements LeaseReply, HeartbeatReply, LogReply, CompleteReply,
        UploadReply, PresenceReply, RegisterReply {

    /** Worth trying again later: the control plane is struggling, not saying no. */
    public boolean retryable() {
        return status >= 500 || status == 429;
    }

    @Override
    public int httpStatus() {
        return status;
    }
}
