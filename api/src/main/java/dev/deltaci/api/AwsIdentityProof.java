package dev.deltaci.api;

import java.util.Map;

/**
 * An instance's proof of who it is, with no secret of its own: an {@code sts:GetCallerIdentity}
 * request signed (SigV4) with the instance role's credentials, which the runner API sends to STS
 * itself. STS answers with the role and the session, which for an EC2 instance role is the
 * instance id. {@code headers} are the signed request's ({@code Authorization}, {@code X-Amz-Date},
 * {@code X-Amz-Security-Token}, {@code X-Delta-Audience}, {@code Content-Type}); {@code body} is
 * exactly {@link #BODY}. The audience header, signed in, keeps the proof from being usable at
 * another service that trusts the same kind of proof.
 */
public record AwsIdentityProof(Map<String, String> headers, String body) {

    public static final String BODY = "Action=GetCallerIdentity&Version=2011-06-15";
    public static final String AUDIENCE_HEADER = "X-Delta-Audience";
    /** What a runner signs into its proof unless told otherwise (both sides must agree). */
    public static final String DEFAULT_AUDIENCE = "delta-ci";

    public AwsIdentityProof {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
}
