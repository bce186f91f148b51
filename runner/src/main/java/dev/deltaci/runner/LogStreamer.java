package dev.deltaci.runner;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Ships a job's output to the runner API as numbered chunks while the job runs: every
 * {@code flushInterval} or when the buffer reaches {@code maxChunkChars}. A chunk is sent with
 * retries; seq numbers are given out in sending order, so the stored chunks read back in order.
 * Every line is masked for the job's secrets first ({@link SecretMasker}).
 */
final class LogStreamer implements AutoCloseable {

    static final int MAX_CHUNK_CHARS = 64 * 1024;
    private static final int ATTEMPTS_PER_CHUNK = 6;

    private final RunnerApiClient api;
    private final LeasedJob job;
    private final SecretMasker masker;
    private final Runnable onLeaseLost;
    private final ScheduledExecutorService flusher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "log-flusher");
        t.setDaemon(true);
        return t;
    });
    private final StringBuilder buffer = new StringBuilder();
    private int nextSeq;
    private boolean leaseLost;

    LogStreamer(RunnerApiClient api, LeasedJob job, long flushIntervalMs, Runnable onLeaseLost) {
        this.api = api;
        this.job = job;
        this.masker = new SecretMasker(job.secrets().values());
        this.onLeaseLost = onLeaseLost;
        flusher.scheduleWithFixedDelay(this::flushQuietly, flushIntervalMs, flushIntervalMs, TimeUnit.MILLISECONDS);
    }

    void line(String line) {
        boolean full;
        synchronized (buffer) {
            buffer.append(masker.mask(line)).append('\n');
            full = buffer.length() >= MAX_CHUNK_CHARS;
        }
        if (full) {
            flusher.execute(this::flushQuietly);
        }
    }

    /** Sends what is left and stops; {@link #chunksSent()} then counts the stored chunks. */
    @Override
    public void close() {
        flusher.shutdown();
        try {
            flusher.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushQuietly();
    }

    synchronized int chunksSent() {
        return nextSeq;
    }

    private synchronized void flushQuietly() {
        String text;
        synchronized (buffer) {
            if (buffer.isEmpty() || leaseLost) {
                return;
            }
            text = buffer.toString();
            buffer.setLength(0);
        }
        for (int attempt = 1; attempt <= ATTEMPTS_PER_CHUNK; attempt++) {
            try {
                RunnerApiClient.Answer answer = api.uploadLog(job.runId(), job.jobKey(), job.epoch(), nextSeq, text);
                if (answer.ok()) {
                    nextSeq++;
                    return;
                }
                if (answer.conflict()) {
                    leaseLost = true;
                    onLeaseLost.run();
                    return;
                }
                if (!answer.retryable()) {
                    System.err.println("log chunk " + nextSeq + " rejected: " + answer.reason());
                    return;
                }
            } catch (IOException e) {
                System.err.println("log upload failed (attempt " + attempt + "): " + e.getMessage());
            }
            sleep(200L << attempt);
        }
        System.err.println("log chunk " + nextSeq + " could not be stored after " + ATTEMPTS_PER_CHUNK + " attempts");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
