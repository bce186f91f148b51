package dev.deltaci.functions.github;

import java.time.Instant;

/**
 * A GitHub call that did not succeed. {@code status} is GitHub's (0: no answer at all);
 * {@code retryAt}, when set, is when trying again can help (a rate limit's reset, a backoff after
 * 5xx or no answer); null when it cannot (not found, no permission, a bad request).
 */
public final class GitHubException extends Exception {

    private final int status;
    private final transient Instant retryAt;

    public GitHubException(int status, String message, Instant retryAt) {
        super(message);
        this.status = status;
        this.retryAt = retryAt;
    }

    public int status() {
        return status;
    }

    public Instant retryAt() {
        return retryAt;
    }

    public boolean retryable() {
        return retryAt != null;
    }
}
