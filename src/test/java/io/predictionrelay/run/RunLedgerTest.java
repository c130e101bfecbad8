package io.predictionrelay.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.model.MessageId;
import org.junit.jupiter.api.Test;

class RunLedgerTest {
  @Test
  void aGroupIsCompleteWhenEveryBatchUpToTheLastArrived() {
    RunLedger.Delivered delivered = new RunLedger.Delivered();
    // bucket 1: 0, 1, 2 (last): complete, one batch twice
    delivered.add(MessageId.ofBucket(1, 0), false);
    delivered.add(MessageId.ofBucket(1, 2), true);
    delivered.add(MessageId.ofBucket(1, 1), false);
    delivered.add(MessageId.ofBucket(1, 1), false);
    // bucket 2: 0 and 2 (last), 1 missing
    delivered.add(MessageId.ofBucket(2, 0), false);
    delivered.add(MessageId.ofBucket(2, 2), true);
    // bucket 3: 0, 1, no last yet
    delivered.add(MessageId.ofBucket(3, 0), false);
    delivered.add(MessageId.ofBucket(3, 1), false);
    // bucket 4: a single message, the last
    delivered.add(MessageId.ofBucket(4, 0), true);

    assertArrayEquals(new int[] {1, 4}, delivered.completeGroups());
    assertEquals(2, delivered.partialGroups());
    assertEquals(4, delivered.messagesToResend());
    assertEquals(9, delivered.messages());
  }
}
