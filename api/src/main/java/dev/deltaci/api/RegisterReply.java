package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;
import java.util.List;

/** The answer to {@link RegisterRequest} and to a renewal. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({@JsonSubTypes.Type(RegisterReply.Registered.class)})
public sealed interface RegisterReply extends Reply permits RegisterReply.Registered, Problem {

    /**
     * The runner's credential (a bearer token), the id it was given, and how long the credential
     * lasts; {@code retryQueueUrl}, where requeued jobs wait for it to look first (null: none).
     */
    @JsonTypeName("registered")
    record Registered(String credential, String runnerId, String pool, List<String> labels, long expiresAtEpochMs,
                      long ttlMs, String retryQueueUrl) implements RegisterReply {

        public Registered(String credential, String runnerId, String pool, List<String> labels, long expiresAtEpochMs,
                          long ttlMs) {
            this(credential, runnerId, pool, labels, expiresAtEpochMs, ttlMs, null);
        }

        @Override
        public int httpStatus() {
            return 200;
        }
    }
}
