package dev.deltaci.functions.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.core.pipeline.Pipeline;
import dev.deltaci.core.pipeline.PipelineParser;
import org.junit.jupiter.api.Test;

/** A job spec survives being stored as JSON in its item and read back, with every kind of step. */
class SpecRoundTripTest {

    @Test
    void jobSpec_shouldReadBackEqual_afterBeingStored() throws Exception {
        Pipeline pipeline = PipelineParser.parse("p.yml", """
                env: {A: "1"}
                jobs:
                  build:
                    timeout-minutes: 7
                    queue-timeout-minutes: 9
                    retry: {max: 2, when: [timeout]}
                    steps:
                      - uses: actions/checkout@v4
                      - name: compile
                        run: make
                        shell: sh
                        working-directory: src
                        env: {B: "2"}
                        timeout-minutes: 3
                        continue-on-error: true
                """);
        var spec = pipeline.jobs().get("build");

        assertThat(Items.fromJson(Items.toJson(spec))).isEqualTo(spec);
        assertThat(Items.toJson(spec)).doesNotContain("displayName");
    }
}
