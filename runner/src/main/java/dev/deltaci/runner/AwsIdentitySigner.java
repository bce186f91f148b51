package dev.deltaci.runner;

import dev.deltaci.api.AwsIdentityProof;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Makes the instance's {@link AwsIdentityProof}: an {@code sts:GetCallerIdentity} request signed
 * with the instance role's credentials (from the metadata service), never sent by the runner
 * itself. Each proof is fresh (its own date and signature), and the control plane takes each once.
 */
public final class AwsIdentitySigner implements Supplier<AwsIdentityProof> {

    private final AwsCredentialsProvider credentials;
    private final String region;
    private final URI stsEndpoint;
    private final String audience;

    /**
     * @param stsEndpoint the STS the control plane checks proofs with (the region's); the
     *                    signature covers its host, so both must name the same one
     */
    public AwsIdentitySigner(AwsCredentialsProvider credentials, String region, URI stsEndpoint, String audience) {
        this.credentials = credentials;
        this.region = region;
        this.stsEndpoint = stsEndpoint;
        this.audience = audience;
    }

    public static URI regionalSts(String region) {
        return URI.create("https://sts." + region + ".amazonaws.com/");
    }

    @Override
    public AwsIdentityProof get() {
        SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(stsEndpoint)
                .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .putHeader(AwsIdentityProof.AUDIENCE_HEADER, audience)
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(credentials.resolveCredentials())
                .request(request)
                .payload(ContentStreamProvider.fromUtf8String(AwsIdentityProof.BODY))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sts")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> header : signed.request().headers().entrySet()) {
            if (!header.getKey().equalsIgnoreCase("host")) {
                headers.put(header.getKey(), String.join(",", header.getValue()));
            }
        }
        return new AwsIdentityProof(headers, AwsIdentityProof.BODY);
    }
}
