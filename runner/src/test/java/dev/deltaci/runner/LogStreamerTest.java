package dev.deltaci.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** How a log buffer that grew past one chunk is cut: nothing lost, no chunk the runner API would refuse. */
class LogStreamerTest {

    @Test
    void aBufferOfManyChunks_shouldBeCutAtLineEnds_intoChunksTheApiTakes() {
        StringBuilder buffer = new StringBuilder();
        for (int i = 1; i <= 150_000; i++) {
            buffer.append(i).append('\n'); // about 0.9 MB: what `seq 1 150000` prints between two flushes
        }
        List<String> chunks = LogStreamer.cut(buffer, LogStreamer.MAX_CHUNK_CHARS);
        assertThat(chunks).hasSizeGreaterThan(10);
        assertThat(String.join("", chunks)).isEqualTo(buffer.toString());
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk.length()).isLessThanOrEqualTo(LogStreamer.MAX_CHUNK_CHARS);
            assertThat(chunk).endsWith("\n");
            assertThat(chunk.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(256 * 1024);
        });
    }

    @Test
    void aLineLongerThanAChunk_shouldBeSplit_withoutBreakingASurrogatePair() {
        String emoji = "\uD83D\uDE00"; // one code point, two chars
        String line = "x".repeat(9) + emoji.repeat(20) + "\n";
        List<String> chunks = LogStreamer.cut(line, 10);
        assertThat(String.join("", chunks)).isEqualTo(line);
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(Character.isHighSurrogate(chunk.charAt(chunk.length() - 1))).isFalse();
            assertThat(Character.isLowSurrogate(chunk.charAt(0))).isFalse();
        });
    }

    @Property(tries = 200)
    void cutting_shouldLoseNothing_andKeepEveryChunkWithinTheLimit(@ForAll @StringLength(max = 400) String text,
                                                                   @ForAll @IntRange(min = 2, max = 50) int max) {
        List<String> chunks = LogStreamer.cut(text, max);
        assertThat(String.join("", chunks)).isEqualTo(text);
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.length()).isBetween(1, max));
    }
}
