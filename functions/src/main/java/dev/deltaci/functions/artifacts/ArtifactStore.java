package dev.deltaci.functions.artifacts;

import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Where a job's kept files live ({@code artifacts/<run>/<job>/epoch-<n>.tar.gz}, one archive per
 * attempt) and the presigned URLs runners move them with: an upload URL for the attempt that
 * holds the lease, download URLs for the archives of the jobs it needs. Each URL names one
 * object and one method and expires soon, so a runner never holds bucket credentials.
 */
public final class ArtifactStore {

    public static final Duration URL_LIFETIME = Duration.ofMinutes(15);

    private final S3Presigner presigner;
    private final S3Client s3;
    private final String bucket;
    private final Clock clock;

    public ArtifactStore(S3Presigner presigner, S3Client s3, String bucket, Clock clock) {
        this.presigner = presigner;
        this.s3 = s3;
        this.bucket = bucket;
        this.clock = clock;
    }

    /** A URL for one archive, with when it stops working. */
    public record SignedUrl(URL url, String key, long expiresAtEpochMs) {
    }

    public static String key(String runId, String jobKey, long epoch) {
        return "artifacts/" + runId + "/" + jobKey + "/epoch-" + epoch + ".tar.gz";
    }

    /**
     * An upload URL that stops working when the lease does ({@code leaseExpiresAtEpochMs}, at most
     * {@link #URL_LIFETIME} away): once the attempt has ended, its archive cannot be replaced
     * through a URL it was given. A runner asks again for each try of a long upload.
     */
    public SignedUrl uploadUrl(String runId, String jobKey, long epoch, long leaseExpiresAtEpochMs) {
        String key = key(runId, jobKey, epoch);
        long now = clock.millis();
        Duration lifetime = Duration.ofMillis(Math.max(1000, Math.min(URL_LIFETIME.toMillis(), leaseExpiresAtEpochMs - now)));
        URL url = presigner.presignPutObject(p -> p.signatureDuration(lifetime)
                .putObjectRequest(o -> o.bucket(bucket).key(key).contentType("application/gzip"))).url();
        return new SignedUrl(url, key, now + lifetime.toMillis());
    }

    /**
     * The archives a run's attempts kept, by object key, with their sizes: one LIST of the run's
     * prefix (which a prefix-scoped {@code s3:ListBucket} allows, where a HEAD of a missing key
     * would be refused).
     */
    public Map<String, Long> sizes(String runId) {
        Map<String, Long> sizes = new HashMap<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix("artifacts/" + runId + "/")).contents()
                .forEach(object -> sizes.put(object.key(), object.size()));
        return sizes;
    }

    /** A download URL for a person (the CLI, the dashboard): saved as {@code fileName}, good for {@link #URL_LIFETIME}. */
    public SignedUrl userDownloadUrl(String runId, String jobKey, long epoch, String fileName) {
        String key = key(runId, jobKey, epoch);
        URL url = presigner.presignGetObject(p -> p.signatureDuration(URL_LIFETIME)
                .getObjectRequest(o -> o.bucket(bucket).key(key)
                        .responseContentDisposition("attachment; filename=\"" + fileName + "\""))).url();
        return new SignedUrl(url, key, clock.millis() + URL_LIFETIME.toMillis());
    }

    public SignedUrl downloadUrl(String runId, String jobKey, long epoch) {
        String key = key(runId, jobKey, epoch);
        URL url = presigner.presignGetObject(p -> p.signatureDuration(URL_LIFETIME)
                .getObjectRequest(o -> o.bucket(bucket).key(key))).url();
        return new SignedUrl(url, key, clock.millis() + URL_LIFETIME.toMillis());
    }
}
