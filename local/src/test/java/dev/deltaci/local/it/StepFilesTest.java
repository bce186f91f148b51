package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.job.JobState;
import dev.deltaci.functions.store.JobRecord;
import dev.deltaci.local.support.PlaneTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * GitHub Actions' step files through real runners: {@code $GITHUB_OUTPUT} read by later steps as
 * {@code steps.<id>.outputs}, {@code $GITHUB_ENV} and {@code $GITHUB_PATH} carried to the steps
 * after, {@code $GITHUB_STEP_SUMMARY} printed, {@code steps.<id>.outcome} and {@code conclusion}.
 */
class StepFilesTest extends PlaneTest {

    private String runToTheEnd(String pipeline) throws Exception {
        return runToTheEnd(pipeline, 1, Duration.ofSeconds(60));
    }

    @Test
    void stepFiles_shouldCarryOutputsEnvAndPath_toTheStepsAfter() throws Exception {
        String runId = runToTheEnd("""
                jobs:
                  build:
                    steps:
                      - id: version
                        run: |
                          echo "tag=v1.2.3" >> "$GITHUB_OUTPUT"
                          { echo 'notes<<EOF'; echo 'line one'; echo 'line two'; echo 'EOF'; } >> "$GITHUB_OUTPUT"
                          echo "GREETING=hello from GITHUB_ENV" >> "$GITHUB_ENV"
                          mkdir -p tools && printf '#!/bin/sh\\necho mytool ran\\n' > tools/mytool && chmod +x tools/mytool
                          echo "$PWD/tools" >> "$GITHUB_PATH"
                      - env:
                          TAG: ${{ steps.version.outputs.tag }}
                        run: |
                          echo "tag is $TAG"
                          echo "notes: ${{ steps.version.outputs.notes }}"
                          echo "greeting: $GREETING / ${{ env.GREETING }}"
                          mytool
                      - id: broken
                        continue-on-error: true
                        run: exit 3
                      - if: steps.broken.outcome == 'failure' && steps.broken.conclusion == 'success'
                        run: echo "saw broken fail, and go on"
                      - if: steps.version.outcome != 'success'
                        run: echo "never"
                      - run: echo '## All good' >> "$GITHUB_STEP_SUMMARY"
                """);
        JobRecord build = store.getJob(runId, "build").orElseThrow();
        String log = jobLog(runId, "build");
        assertThat(build.state()).as(log).isEqualTo(JobState.SUCCEEDED);
        assertThat(log).contains("tag is v1.2.3").contains("notes: line one\nline two")
                .contains("greeting: hello from GITHUB_ENV / hello from GITHUB_ENV").contains("mytool ran")
                .contains("saw broken fail, and go on").doesNotContain("\nnever\n")
                .contains("::delta:: step summary:\n::delta::   ## All good");
    }

    @Test
    void aStepThatPutsALinkInPlaceOfItsFiles_shouldNotHaveTheRunnerReadWhatItPointsAt() throws Exception {
        String runId = runToTheEnd("""
                jobs:
                  attack:
                    steps:
                      - run: ln -sf /etc/passwd "$GITHUB_STEP_SUMMARY"
                """);
        String log = jobLog(runId, "attack");
        assertThat(store.getJob(runId, "attack").orElseThrow().state()).isEqualTo(JobState.FAILED);
        assertThat(log).contains("::delta:: step 1 fails: $GITHUB_STEP_SUMMARY is no longer the plain file the runner "
                + "made (a link?); it is not read").doesNotContain("root:x:0:0");
    }

    @Test
    void aMalformedOutputFile_shouldFailTheStep_sayingWhichLine() throws Exception {
        String runId = runToTheEnd("""
                jobs:
                  build:
                    steps:
                      - id: bad
                        run: |
                          echo "fine=1" >> "$GITHUB_OUTPUT"
                          echo "no equals sign here" >> "$GITHUB_OUTPUT"
                      - run: echo "not reached"
                """);
        JobRecord build = store.getJob(runId, "build").orElseThrow();
        String log = jobLog(runId, "build");
        assertThat(build.state()).isEqualTo(JobState.FAILED);
        assertThat(build.outcome().exitCode()).isEqualTo(1);
        assertThat(log).contains("::delta:: step 1 fails: $GITHUB_OUTPUT line 2: 'no equals sign here' is neither "
                + "NAME=value nor NAME<<DELIMITER").doesNotContain("\nnot reached");
    }
}
