package dev.deltaci.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** docs/pipeline.schema.json must offer exactly the keys the parser accepts, at each place. */
class PipelineSchemaTest {

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            current = ((Map<String, Object>) current).get(key);
        }
        return (Map<String, Object>) current;
    }

    @Test
    @SuppressWarnings("unchecked")
    void schema_shouldListTheParsersKeys_placeByPlace() throws Exception {
        Object schema = new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(Path.of("..", "docs", "pipeline.schema.json")));
        Map<String, Object> defs = map(schema, "$defs");
        Map<String, Object> job = map(defs, "job", "properties");
        Map<String, Object> events = map(((List<Object>) map(schema, "properties", "on").get("oneOf")).get(2),
                "properties");
        Map<String, Object> push = map(events, "push", "properties");

        Map<String, List<String>> parser = PipelineParser.allowedKeys();
        assertThat(map(schema, "properties").keySet()).containsExactlyInAnyOrderElementsOf(parser.get("top"));
        assertThat(push.keySet()).containsExactlyInAnyOrderElementsOf(parser.get("on.push"));
        assertThat(map(events, "pull_request", "properties").keySet())
                .containsExactlyInAnyOrderElementsOf(parser.get("on.pull_request"));
        assertThat(map((Map<String, Object>) map(events, "schedule").get("items"), "properties").keySet())
                .containsExactlyInAnyOrderElementsOf(parser.get("on.schedule[]"));
        assertThat(map(defs, "input", "properties").keySet())
                .containsExactlyInAnyOrderElementsOf(parser.get("on.workflow_dispatch.inputs.<name>"));
        assertThat(job.keySet()).containsExactlyInAnyOrderElementsOf(parser.get("job"));
        assertThat(map(job, "strategy", "properties").keySet()).containsExactlyInAnyOrderElementsOf(parser.get("strategy"));
        assertThat(map(job, "retry", "properties").keySet()).containsExactlyInAnyOrderElementsOf(parser.get("retry"));
        assertThat(map(defs, "step", "properties").keySet()).containsExactlyInAnyOrderElementsOf(parser.get("step"));
        assertThat(map(defs, "concurrencyGroup", "properties").keySet())
                .containsExactlyInAnyOrderElementsOf(parser.get("concurrency"));
    }
}
