package dev.deltaci.local.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deltaci.functions.store.GateStore;
import dev.deltaci.local.stack.AwsStack;
import dev.deltaci.local.support.TestStacks;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The concurrency gate's protocol against the real DynamoDB protocol: one holder, FIFO hand-over, races. */
class GateStoreTest {

    private static AwsStack stack;
    private static DynamoDbClient dynamo;
    private static GateStore gates;

    @BeforeAll
    static void start() {
        stack = TestStacks.start();
        dynamo = stack.endpoints().dynamoClient();
        gates = new GateStore(dynamo, stack.resources().ref("DeltaTable"), Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        dynamo.close();
        stack.close();
    }

    @Test
    void holdersShouldFollowArrivalOrder_andTheGateShouldVanishWhenNobodyIsLeft() {
        String gate = "repo#fifo";
        assertThat(gates.hold(gate, "a").held()).isTrue();
        assertThat(gates.hold(gate, "a").held()).as("holding again is harmless").isTrue();
        GateStore.Hold b = gates.hold(gate, "b");
        assertThat(b.held()).isFalse();
        assertThat(b.holder()).isEqualTo("a");
        assertThat(gates.hold(gate, "c").ahead()).containsExactly("b");
        assertThat(gates.hold(gate, "c").ahead()).as("waiting again keeps the place").containsExactly("b");

        assertThat(gates.release(gate, "c")).as("a waiter leaving the line wakes nobody").isEmpty();
        gates.hold(gate, "c");
        assertThat(gates.release(gate, "b")).isEmpty();
        assertThat(gates.release(gate, "a")).contains("c");
        assertThat(gates.read(gate).orElseThrow().holder()).isEqualTo("c");
        assertThat(gates.release(gate, "a")).as("a former holder letting go again changes nothing").isEmpty();
        assertThat(gates.release(gate, "c")).isEmpty();
        assertThat(gates.read(gate)).isEmpty();
    }

    @Test
    void ofManyRacingForAFreeGate_exactlyOneShouldHoldIt_andEveryOtherWaitOnce() throws Exception {
        String gate = "repo#race";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<GateStore.Hold>> holds = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String member = "m" + i;
            holds.add(pool.submit(() -> gates.hold(gate, member)));
        }
        int held = 0;
        for (Future<GateStore.Hold> hold : holds) {
            held += hold.get().held() ? 1 : 0;
        }
        pool.shutdown();
        GateStore.Gate state = gates.read(gate).orElseThrow();
        assertThat(held).isEqualTo(1);
        assertThat(state.waiters()).hasSize(15).doesNotHaveDuplicates().doesNotContain(state.holder());

        // hand the gate down the whole line: everyone holds it exactly once
        List<String> order = new ArrayList<>(List.of(state.holder()));
        Optional<String> next = gates.release(gate, state.holder());
        while (next.isPresent()) {
            order.add(next.get());
            next = gates.release(gate, next.get());
        }
        assertThat(order).hasSize(16).doesNotHaveDuplicates();
        assertThat(gates.read(gate)).isEmpty();
    }

    @Test
    void aGateNobodyHoldsButSomeoneWaitsFor_shouldGoToTheFirstWaiter() {
        String gate = "repo#orphan";
        gates.hold(gate, "a");
        gates.hold(gate, "b");
        gates.hold(gate, "c");
        assertThat(gates.promoteFirstWaiter(gate)).as("held by a: nothing to promote").isEmpty();
        // the holder's record vanishes between two writes, leaving a line with nobody at its head
        dynamo.updateItem(b -> b.tableName(stack.resources().ref("DeltaTable"))
                .key(Map.of("pk", AttributeValue.fromS("GATE#" + gate), "sk", AttributeValue.fromS("GATE")))
                .updateExpression("REMOVE holder"));

        assertThat(gates.promoteFirstWaiter(gate)).contains("b");
        assertThat(gates.read(gate).orElseThrow().waiters()).containsExactly("c");
    }
}
