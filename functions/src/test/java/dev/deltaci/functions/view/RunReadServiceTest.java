package dev.deltaci.functions.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The runs list's cursor: what the API gives out comes back as the same key, and nothing else is taken. */
class RunReadServiceTest {

    @Test
    void aCursor_shouldRoundTripTheIndexKey() {
        Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("RUN#r-1"), "sk", AttributeValue.fromS("RUN"),
                "runsShard", AttributeValue.fromS("runs#0"), "createdAtEpochMs", AttributeValue.fromN("1700000000000"));
        String cursor = RunReadService.encodeCursor(key);
        assertThat(cursor).doesNotContain("=").doesNotContain("+").doesNotContain("/");
        assertThat(RunReadService.decodeCursor(cursor)).isEqualTo(key);
        assertThat(RunReadService.decodeCursor(null)).isNull();
    }

    @Test
    void aCursorItDidNotGive_shouldBeRefused() {
        String otherKeys = Base64.getUrlEncoder().encodeToString("{\"pk\": \"s:RUN#x\", \"admin\": \"s:1\"}".getBytes());
        String notANumber = Base64.getUrlEncoder().encodeToString(("{\"pk\": \"s:a\", \"sk\": \"s:b\", \"runsShard\": "
                + "\"s:c\", \"createdAtEpochMs\": \"n:1e9; DROP\"}").getBytes());
        assertThatThrownBy(() -> RunReadService.decodeCursor(otherKeys)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RunReadService.decodeCursor(notANumber)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RunReadService.decodeCursor("%%%")).isInstanceOf(IllegalArgumentException.class);
    }
}
