package dev.deltaci.functions.store;

import java.util.HashMap;
import java.util.Map;

/**
 * What GitHub has been told about a run's jobs: how (check runs, or commit statuses where the App
 * may not write checks), each job's check run id (so a retry updates it rather than creating
 * another), and the last state each job was reported in ({@code JobCheck.mark}). One item in the
 * run's partition ({@code sk = CHECKS}), written only by the reporter, one pass of a run at a time.
 *
 * @param gaveUp jobs GitHub refused for good (not retryable), with GitHub's answer; not tried again
 */
public record CheckReports(String runId, Channel channel, Map<String, Long> checkRunIds, Map<String, String> reported,
                           Map<String, String> gaveUp) {

    public enum Channel { CHECKS, STATUSES }

    public CheckReports {
        channel = channel == null ? Channel.CHECKS : channel;
        checkRunIds = checkRunIds == null ? Map.of() : Map.copyOf(checkRunIds);
        reported = reported == null ? Map.of() : Map.copyOf(reported);
        gaveUp = gaveUp == null ? Map.of() : Map.copyOf(gaveUp);
    }

    public static CheckReports none(String runId) {
        return new CheckReports(runId, Channel.CHECKS, Map.of(), Map.of(), Map.of());
    }

    public CheckReports withChannel(Channel next) {
        return new CheckReports(runId, next, checkRunIds, reported, gaveUp);
    }

    public CheckReports withCheckRun(String jobKey, long id) {
        return new CheckReports(runId, channel, put(checkRunIds, jobKey, id), reported, gaveUp);
    }

    public CheckReports withReported(String jobKey, String mark) {
        return new CheckReports(runId, channel, checkRunIds, put(reported, jobKey, mark), gaveUp);
    }

    public CheckReports withGaveUp(String jobKey, String why) {
        return new CheckReports(runId, channel, checkRunIds, reported, put(gaveUp, jobKey, why));
    }

    private static <V> Map<String, V> put(Map<String, V> map, String key, V value) {
        Map<String, V> copy = new HashMap<>(map);
        copy.put(key, value);
        return copy;
    }

    static final class Builder {
        String runId;
        Channel channel;
        Map<String, Long> checkRunIds;
        Map<String, String> reported;
        Map<String, String> gaveUp;

        CheckReports build() {
            return new CheckReports(runId, channel, checkRunIds, reported, gaveUp);
        }
    }
}
