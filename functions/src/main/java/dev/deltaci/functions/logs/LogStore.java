package dev.deltaci.functions.logs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Job logs in S3, one object per chunk: {@code logs/<run>/<job>/epoch-<epoch>/<seq>.log}.
 * The epoch in the key keeps a stale attempt's chunks apart from the accepted attempt's, and the
 * zero-padded sequence number makes listing order the reading order.
 */
public final class LogStore {

    private final S3Client s3;
    private final String bucket;

    public LogStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public static String attemptPrefix(String runId, String jobKey, long epoch) {
        return "logs/" + runId + "/" + jobKey + "/epoch-" + epoch + "/";
    }

    public static String chunkKey(String runId, String jobKey, long epoch, int seq) {
        return attemptPrefix(runId, jobKey, epoch) + String.format("%08d.log", seq);
    }

    /** Stores one chunk; writing the same chunk twice is harmless. */
    public void putChunk(String runId, String jobKey, long epoch, int seq, String text) {
        s3.putObject(b -> b.bucket(bucket).key(chunkKey(runId, jobKey, epoch, seq)).contentType("text/plain; charset=utf-8"),
                RequestBody.fromString(text, StandardCharsets.UTF_8));
    }

    /** The chunk keys of one attempt, in sequence order. */
    public List<String> listChunks(String runId, String jobKey, long epoch) {
        List<String> keys = new ArrayList<>();
        String token = null;
        do {
            String continuation = token;
            ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(bucket)
                    .prefix(attemptPrefix(runId, jobKey, epoch)).continuationToken(continuation));
            page.contents().stream().map(S3Object::key).forEach(keys::add);
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        keys.sort(String::compareTo);
        return keys;
    }

    /** A chunk of an attempt's log: its sequence number and object key. */
    public record Chunk(int seq, String key) {
    }

    /** Up to {@code max} chunks after a sequence number, in order, and whether more follow. */
    public record Listing(List<Chunk> chunks, boolean more) {
    }

    /**
     * The chunks of one attempt after {@code afterSeq} (null: from the first), in order, at most
     * {@code max}: one LIST request, starting after that chunk's key, however long the log.
     */
    public Listing chunksAfter(String runId, String jobKey, long epoch, Integer afterSeq, int max) {
        String prefix = attemptPrefix(runId, jobKey, epoch);
        ListObjectsV2Response page = s3.listObjectsV2(b -> b.bucket(bucket).prefix(prefix).maxKeys(max)
                .startAfter(afterSeq == null ? null : chunkKey(runId, jobKey, epoch, afterSeq)));
        List<Chunk> chunks = new ArrayList<>();
        for (S3Object object : page.contents()) {
            String name = object.key().substring(prefix.length());
            if (name.matches("[0-9]{8}\\.log")) {
                chunks.add(new Chunk(Integer.parseInt(name.substring(0, 8)), object.key()));
            }
        }
        chunks.sort(java.util.Comparator.comparingInt(Chunk::seq));
        return new Listing(chunks, Boolean.TRUE.equals(page.isTruncated()));
    }

    /**
     * The last chunks of one attempt that fit in {@code maxBytes} (at least one), in order, and how
     * many came before them: where a reader of a long, running log starts. One LIST per 1,000
     * chunks (about 64 MB of log), no chunk read.
     */
    public Tail lastChunks(String runId, String jobKey, long epoch, long maxBytes) {
        String prefix = attemptPrefix(runId, jobKey, epoch);
        List<S3Object> objects = new ArrayList<>();
        s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().forEach(object -> {
            if (object.key().substring(prefix.length()).matches("[0-9]{8}\\.log")) {
                objects.add(object);
            }
        });
        objects.sort(java.util.Comparator.comparing(S3Object::key));
        int from = objects.size();
        long bytes = 0;
        while (from > 0 && (from == objects.size() || bytes + objects.get(from - 1).size() <= maxBytes)) {
            bytes += objects.get(from - 1).size();
            from--;
        }
        List<Chunk> chunks = objects.subList(from, objects.size()).stream()
                .map(o -> new Chunk(Integer.parseInt(o.key().substring(prefix.length(), prefix.length() + 8)), o.key()))
                .toList();
        return new Tail(chunks, from);
    }

    /** The last chunks of an attempt, and how many chunks came before them. */
    public record Tail(List<Chunk> chunks, int skipped) {
    }

    public String read(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8);
    }
}
