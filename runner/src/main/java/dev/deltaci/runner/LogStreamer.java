package dev.deltaci.runner;

import dev.deltaci.api.LeaseLost;
import dev.deltaci.api.LogReply;
import dev.deltaci.api.Problem;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Ships a job's output to the runner API as numbered chunks while the job runs: every
 * {@code flushInterval} or when the buffer reaches {@code maxChunkChars}. Every line is masked
 * for the job's secrets first ({@link SecretMasker}).
 *
 * <p>The log store may be away for a while (S3 or the runner API erroring): chunks then wait in
 * order, in memory, and are retried on every flush, so nothing is lost and seq numbers stay in
 * sending order. Only an outage longer than {@code outageLimit}, or more than
 * {@link #MAX_BUFFERED_CHARS} waiting, gives up: {@link #storageFailed()} then says why, and the
 * job ends as an infrastructure error (retried elsewhere) rather than with a silent gap.
 */
final class LogStreamer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LogStreamer.class);

    static final int MAX_CHUNK_CHARS = 64 * 1024;
    static final long MAX_BUFFERED_CHARS = 64L * 1024 * 1024;

    private final RunnerApiClient api;
    private final LeasedJob job;
    private final SecretMasker masker;
    static final String ADD_MASK = "::add-mask::";

    /** Whether the text holds a secret's value or one a step masked with {@code ::add-mask::}. */
    boolean hidesPartOf(String text) {
        return masker.hides(text);
    }
    private final Runnable onLeaseLost;
    private final Duration outageLimit;
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "log-flusher");
        t.setDaemon(true);
        return t;
    });
    private final StringBuilder buffer = new StringBuilder();
    /** Chunks cut from the buffer and not yet stored, oldest first. */
    private final Deque<String> pending = new ArrayDeque<>();
    private long pendingChars;
    private int nextSeq;
    private boolean leaseLost;
    private long outageSinceNanos = -1;
    private volatile String storageFailure;

    LogStreamer(RunnerApiClient api, LeasedJob job, long flushIntervalMs, Duration outageLimit, Runnable onLeaseLost) {
        this.api = api;
        this.job = job;
        java.util.List<String> masked = new java.util.ArrayList<>(job.secrets().values());
        if (job.checkoutToken() != null) {
            masked.add(job.checkoutToken()); // git never prints it, but nothing it might print shows it
        }
        this.masker = new SecretMasker(masked);
        this.onLeaseLost = onLeaseLost;
        this.outageLimit = outageLimit;
        Map<String, String> correlation = MDC.getCopyOfContextMap();
        flusher.scheduleWithFixedDelay(() -> {
            if (correlation != null) {
                MDC.setContextMap(correlation);
            }
            flushQuietly(0);
        }, flushIntervalMs, flushIntervalMs, TimeUnit.MILLISECONDS);
    }

    void line(String line) {
        boolean full;
        if (line.startsWith(ADD_MASK)) {
            // GitHub's workflow command: the value is masked from here on, and its own line shows no value
            masker.add(line.substring(ADD_MASK.length()).strip());
            line = ADD_MASK + SecretMasker.MASK;
        }
        synchronized (buffer) {
            buffer.append(masker.mask(line)).append('\n');
            full = buffer.length() >= MAX_CHUNK_CHARS;
        }
        if (full) {
            flusher.execute(() -> flushQuietly(0));
        }
    }

    /**
     * Sends what is left and stops. While the log store is away this waits, retrying, up to the
     * outage limit; {@link #chunksSent()} then counts the stored chunks.
     */
    @Override
    public void close() {
        stopFlusher();
        sendWaiting(0);
    }

    /**
     * As {@link #close()}, but the last chunk is held back for the completion to carry: one
     * request fewer per job. Null when there is none to hold (nothing left, the lease is lost, or
     * the log store failed) or the control plane does not take one (the lease answer said so: it
     * is older); otherwise {@link Held#sendAlone()} sends it the usual way if the completion
     * cannot take it.
     */
    Held closeHoldingLast() {
        if (!job.completionTakesLastLog()) {
            close();
            return null;
        }
        stopFlusher();
        sendWaiting(1);
        synchronized (this) {
            return pending.size() == 1 && !leaseLost && storageFailure == null
                    ? new Held(nextSeq, pending.peekFirst()) : null;
        }
    }

    /** The last chunk of a closed log, not yet stored. */
    final class Held {
        private final int seq;
        private final String text;

        private Held(int seq, String text) {
            this.seq = seq;
            this.text = text;
        }

        int seq() {
            return seq;
        }

        String text() {
            return text;
        }

        /** Sends it to the log store on its own, waiting out an outage as {@link #close()} does; why it could not be stored, or null. */
        String sendAlone() {
            close();
            return storageFailure;
        }
    }

    private void stopFlusher() {
        flusher.shutdown();
        try {
            flusher.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sends until at most {@code keep} chunks wait, retrying through an outage up to its limit. */
    private void sendWaiting(int keep) {
        long pauseMs = 250;
        while (!flushQuietly(keep) && storageFailure == null && !Thread.currentThread().isInterrupted()) {
            sleep(pauseMs);
            pauseMs = Math.min(pauseMs * 2, 5000);
        }
    }

    synchronized int chunksSent() {
        return nextSeq;
    }

    /** Why the log could not be stored (outage past the limit, or too much waiting), or null. */
    String storageFailed() {
        return storageFailure;
    }

    /**
     * Cuts the buffer into chunks and sends the waiting ones in order, all but the last
     * {@code keep}; true when no more than those are left waiting.
     */
    private synchronized boolean flushQuietly(int keep) {
        synchronized (buffer) {
            if (!buffer.isEmpty() && !leaseLost) {
                // a step can print faster than the flusher runs: the buffer may hold many chunks' worth
                for (String chunk : cut(buffer, MAX_CHUNK_CHARS)) {
                    pending.addLast(chunk);
                    pendingChars += chunk.length();
                }
                buffer.setLength(0);
            }
        }
        while (pending.size() > keep && !leaseLost && storageFailure == null) {
            String text = pending.peekFirst();
            String problem;
            try {
                LogReply reply = api.uploadLog(job.runId(), job.jobKey(), job.epoch(), nextSeq, text);
                if (reply instanceof LogReply.Stored) {
                    pending.removeFirst();
                    pendingChars -= text.length();
                    nextSeq++;
                    outageSinceNanos = -1;
                    continue;
                }
                if (reply instanceof LeaseLost) {
                    leaseLost = true;
                    onLeaseLost.run();
                    return true;
                }
                Problem refused = (Problem) reply;
                if (!refused.retryable()) {
                    LOG.warn("log chunk " + nextSeq + " rejected: " + refused.error());
                    pending.removeFirst();
                    pendingChars -= text.length();
                    continue;
                }
                problem = "HTTP " + refused.status() + " " + refused.error();
            } catch (IOException e) {
                problem = e.getMessage();
            }
            long now = System.nanoTime();
            if (outageSinceNanos < 0) {
                outageSinceNanos = now;
                LOG.warn("log store unavailable (" + problem + "); keeping " + pending.size()
                        + " chunk(s) and retrying for up to " + outageLimit.toSeconds() + " s");
            }
            if (now - outageSinceNanos > outageLimit.toNanos()) {
                storageFailure = "the log store was unavailable for more than " + outageLimit.toSeconds() + " s ("
                        + problem + ")";
            } else if (pendingChars > MAX_BUFFERED_CHARS) {
                storageFailure = "more than " + MAX_BUFFERED_CHARS / (1024 * 1024) + " MiB of log waited for the log store ("
                        + problem + ")";
            }
            if (storageFailure != null) {
                LOG.error(storageFailure);
            }
            return false;
        }
        return pending.size() <= keep;
    }

    /**
     * The text in chunks of at most {@code max} chars (at most 4 bytes each, so well inside the
     * runner API's 256 KiB), each ending at a line's end where there is one to end at, never
     * between the two halves of a surrogate pair.
     */
    static java.util.List<String> cut(CharSequence text, int max) {
        java.util.List<String> chunks = new java.util.ArrayList<>();
        int from = 0;
        while (text.length() - from > max) {
            int end = from + max;
            int newline = lastNewline(text, from, end);
            if (newline > from) {
                end = newline + 1;
            } else if (Character.isHighSurrogate(text.charAt(end - 1)) && end - 1 > from) {
                end--;
            }
            chunks.add(text.subSequence(from, end).toString());
            from = end;
        }
        if (from < text.length()) {
            chunks.add(text.subSequence(from, text.length()).toString());
        }
        return chunks;
    }

    private static int lastNewline(CharSequence text, int from, int end) {
        for (int i = end - 1; i > from; i--) {
            if (text.charAt(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
