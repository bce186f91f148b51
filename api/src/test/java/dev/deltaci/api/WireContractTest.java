package dev.deltaci.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deltaci.core.job.FailureClass;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireContractTest {

    @Test
    void everyAnswer_shouldNameItsOutcome_andReadBackAsTheSameRecord() {
        List<Reply> replies = List.of(
                new LeaseReply.Leased(new LeaseTerms(3, 10, 5, 30_000, 10_000), ticket()),
                new LeaseReply.TryLater(5000, "last attempt failed here"),
                new LeaseReply.NotLeasable("RUNNING", "leased by another runner"),
                new LeaseReply.UnknownJob("no job b in run r"),
                new HeartbeatReply.Renewed(99, FailureClass.CANCELLED),
                new HeartbeatReply.Renewed(99, null),
                new LogReply.Stored(4),
                new CompleteReply.Accepted("SUCCEEDED"),
                new CompleteReply.AlreadyCompleted("FAILED"),
                new CompleteReply.Retrying("QUEUED", 2),
                new UploadReply.Upload("PUT", "http://s3/x", "k", 7),
                new PresenceReply.Recorded("r-1", Presence.BUSY),
                new RegisterReply.Registered("cred", "r-1", "default", List.of("linux"), 9, 60_000));
        Map<Class<?>, String> outcomes = Map.ofEntries(
                Map.entry(LeaseReply.Leased.class, "acquired"), Map.entry(LeaseReply.TryLater.class, "try_later"),
                Map.entry(LeaseReply.NotLeasable.class, "not_leasable"),
                Map.entry(LeaseReply.UnknownJob.class, "unknown_job"), Map.entry(HeartbeatReply.Renewed.class, "renewed"),
                Map.entry(LogReply.Stored.class, "stored"), Map.entry(CompleteReply.Accepted.class, "accepted"),
                Map.entry(CompleteReply.AlreadyCompleted.class, "already_completed"),
                Map.entry(CompleteReply.Retrying.class, "retrying"), Map.entry(UploadReply.Upload.class, "upload"),
                Map.entry(PresenceReply.Recorded.class, "recorded"),
                Map.entry(RegisterReply.Registered.class, "registered"));
        for (Reply reply : replies) {
            JsonNode json = WireJson.tree(reply);
            assertThat(json.path("outcome").asText()).as(reply.toString()).isEqualTo(outcomes.get(reply.getClass()));
            Class<? extends Reply> sealedType = (Class<? extends Reply>) reply.getClass().getInterfaces()[0];
            assertThat(Replies.decode(sealedType, reply.httpStatus(), WireJson.write(reply))).isEqualTo(reply);
        }
    }

    @Test
    void leaseLost_shouldReadBackForEveryCallThatCanLoseTheLease() {
        String body = WireJson.write(new LeaseLost("attempt 7 is not the lease's attempt 1"));
        assertThat(body).contains("\"outcome\":\"lease_lost\"");
        for (Class<? extends Reply> type : List.of(HeartbeatReply.class, LogReply.class, CompleteReply.class,
                UploadReply.class)) {
            assertThat(Replies.decode(type, 403, body)).isEqualTo(new LeaseLost("attempt 7 is not the lease's attempt 1"));
        }
    }

    @Test
    void anAnswerWithoutAnOutcome_isAProblem_retryableOnlyWhenTheControlPlaneStruggles() {
        assertThat(Replies.decode(CompleteReply.class, 503, "{\"error\":\"the log store is unavailable\"}"))
                .isEqualTo(new Problem(503, "the log store is unavailable"));
        assertThat(((Problem) Replies.decode(LeaseReply.class, 503, "<html>bad gateway</html>")).retryable()).isTrue();
        assertThat(((Problem) Replies.decode(LeaseReply.class, 400, "{\"error\":\"'epoch' is missing\"}")).retryable())
                .isFalse();
        assertThat(Replies.decode(LeaseReply.class, 200, "{\"outcome\":\"teleported\"}"))
                .isInstanceOf(Problem.class);
    }

    @Test
    void aStepFieldsIf_andFailureClasses_keepTheirWireNames() {
        JobTicket.Step step = new JobTicket.Step("s", false, "true", "bash", Map.of(), null, 0, false, "failure()");
        assertThat(WireJson.tree(step).path("if").asText()).isEqualTo("failure()");
        CompleteRequest complete = new CompleteRequest("r", "j", "runner-1", 1, 1, 5, 1, FailureClass.INFRA_ERROR, 2, null);
        assertThat(WireJson.tree(complete).path("failureClass").asText()).isEqualTo("infra_error");
    }

    @Test
    void aRequest_thatDoesNotFit_isRefusedByFieldName() {
        assertThat(invalid("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\"}", LeaseRequest.class))
                .isEqualTo("'epoch' is missing");
        assertThat(invalid("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":\"1\"}", LeaseRequest.class))
                .isEqualTo("'epoch' must be a whole number");
        assertThat(invalid("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1.5}", LeaseRequest.class))
                .isEqualTo("'epoch' must be a whole number");
        assertThat(invalid("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":-1}", LeaseRequest.class))
                .isEqualTo("'epoch' must be a whole number of 0 or more");
        assertThat(invalid("{\"runId\":\"r/../x\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1}", LeaseRequest.class))
                .startsWith("'runId' is missing or not an id");
        assertThat(invalid("{\"runId\":7,\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1}", LeaseRequest.class))
                .isEqualTo("'runId' must be a string");
        assertThat(invalid("{\"state\":\"asleep\"}", PresenceRequest.class))
                .isEqualTo("'state' must be one of idle, busy, gone");
        String complete = "{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1,\"attempt\":1,"
                + "\"startedAtEpochMs\":5,\"exitCode\":1,\"logChunks\":0,\"failureClass\":\"%s\"}";
        assertThat(invalid(complete.formatted("meteor"), CompleteRequest.class))
                .isEqualTo("'failureClass' must be one of script_failure, timeout, runner_lost, infra_error, "
                        + "config_error, cancelled");
        assertThat(invalid("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":null}", LeaseRequest.class))
                .isEqualTo("'epoch' is missing or null; it must be a whole number");
        assertThat(invalid("[1]", LeaseRequest.class)).isEqualTo("body must be a JSON object");
        assertThat(invalid("{", LeaseRequest.class)).isEqualTo("body is not valid JSON");
    }

    @Test
    void aCompletion_withANonZeroExitAndNoClass_isAScriptFailure() throws WireJson.Invalid {
        CompleteRequest request = WireJson.read("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1,"
                + "\"attempt\":1,\"startedAtEpochMs\":5,\"exitCode\":2,\"logChunks\":0}", CompleteRequest.class);
        assertThat(request.failure()).isEqualTo(FailureClass.SCRIPT_FAILURE);
        assertThatThrownBy(() -> new CompleteRequest("r", "j", "x", 1, 1, 5, 0, null, 0, "ABC"))
                .hasMessage("'artifactSha256' must be 64 lowercase hex digits");
    }

    @Test
    void aCompletion_shouldRefuseOutputsPastTheirLimit() {
        java.util.Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i <= CompleteRequest.MAX_OUTPUTS; i++) {
            many.put("o" + i, "v");
        }
        assertThatThrownBy(() -> new CompleteRequest("r", "j", "x", 1, 1, 5, 0, null, 0, null, many, null))
                .hasMessageStartingWith("outputs: 65 outputs");
        java.util.Map<String, String> big = java.util.Map.of("blob", "x".repeat(CompleteRequest.MAX_OUTPUT_BYTES));
        assertThatThrownBy(() -> new CompleteRequest("r", "j", "x", 1, 1, 5, 0, null, 0, null, big, null))
                .hasMessageContaining("at most 64 of 65536 bytes in all");
        assertThat(new CompleteRequest("r", "j", "x", 1, 1, 5, 0, null, 0, null, java.util.Map.of("v", "1"), null).outputs())
                .containsEntry("v", "1");
    }

    @Test
    void aCompletion_carriesItsLastLogChunk_numberedInsideTheChunksItCounts() throws WireJson.Invalid {
        CompleteRequest request = WireJson.read("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1,"
                + "\"attempt\":1,\"startedAtEpochMs\":5,\"exitCode\":0,\"logChunks\":2,"
                + "\"lastLog\":{\"seq\":1,\"text\":\"done\\n\",\"token\":\"t\"}}", CompleteRequest.class);
        assertThat(request.lastLog()).isEqualTo(new LogTail(1, "done\n", "t"));
        assertThat(invalid("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1,\"attempt\":1,"
                + "\"startedAtEpochMs\":5,\"exitCode\":0,\"logChunks\":1,\"lastLog\":{\"seq\":1,\"text\":\"x\"}}",
                CompleteRequest.class)).isEqualTo("'lastLog.seq' is 1 but 'logChunks' is 1: the last chunk is numbered logChunks - 1");
        assertThat(invalid("{\"runId\":\"r\",\"jobKey\":\"j\",\"runnerId\":\"x\",\"epoch\":1,\"attempt\":1,"
                + "\"startedAtEpochMs\":5,\"exitCode\":0,\"logChunks\":1,\"lastLog\":{\"seq\":0}}",
                CompleteRequest.class)).isEqualTo("'lastLog.text' must be a string");
    }

    @Test
    void aJobMessage_shouldReadBackWithItsPasses() {
        JobMessage message = new JobMessage("r", "j", 3, List.of("linux")).passedOn();
        assertThat(JobMessage.fromJson(message.toJson())).isEqualTo(message);
        assertThat(message.passes()).isEqualTo(1);
        assertThatThrownBy(() -> JobMessage.fromJson("{\"epoch\":1}")).isInstanceOf(IllegalArgumentException.class);
    }

    private static String invalid(String json, Class<?> type) {
        try {
            WireJson.read(json, type);
            return "accepted";
        } catch (WireJson.Invalid e) {
            return e.getMessage();
        }
    }

    private static JobTicket ticket() {
        return new JobTicket("r", "j", "build", 1, "file:///repo", "abc", "refs/heads/main", "o/r", "push",
                Map.of("A", "1"), Map.of(), 60,
                List.of(new JobTicket.Step("s", false, "echo", "bash", Map.of(), null, 0, false, null)), List.of("out"),
                Map.of(), null, List.of(new JobTicket.Download("a", "A", "http://x", "00")), Map.of(), null, "ghs_token");
    }
}
