package dev.deltaci.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonTypeName;

/** The answer to {@link ArtifactUploadRequest}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "outcome")
@JsonSubTypes({@JsonSubTypes.Type(UploadReply.Upload.class), @JsonSubTypes.Type(LeaseLost.class)})
public sealed interface UploadReply extends Reply permits UploadReply.Upload, LeaseLost, Problem {

    /** Where to send the archive: {@code method} to {@code url} before {@code expiresAtEpochMs}. */
    @JsonTypeName("upload")
    record Upload(String method, String url, String key, long expiresAtEpochMs) implements UploadReply {
        @Override
        public int httpStatus() {
            return 200;
        }
    }
}
