package io.predictionrelay.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class MessageIdTest {
  @Test
  void readsBackWhatItWrites() {
    assertEquals(MessageId.ofBucket(417, 3), MessageId.parse("417-3"));
    assertEquals(MessageId.ofSplit(12, 0), MessageId.parse("s12-0"));
    assertEquals("s12-0", MessageId.ofSplit(12, 0).toString());
    assertEquals("417-3", MessageBatch.inBucket(417, 3, java.util.List.of()).messageId());
  }

  @Test
  void keysOfOtherWritersAreNotIds() {
    assertNull(MessageId.parse(null));
    assertNull(MessageId.parse("client-7"));
    assertNull(MessageId.parse("s-1"));
    assertNull(MessageId.parse("99999999999-1"));
  }
}
