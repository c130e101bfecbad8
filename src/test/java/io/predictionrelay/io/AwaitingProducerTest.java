package io.predictionrelay.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class AwaitingProducerTest {
  /** A producer whose flush() returns at once, as KafkaProducer's does when a batch was split. */
  private static final class EarlyFlush extends MockProducer<String, String> {
    EarlyFlush() {
      super(false, new StringSerializer(), new StringSerializer());
    }

    @Override
    public synchronized void flush() {}
  }

  @Test
  void flushWaitsForEveryRecordAndItsCallback() throws Exception {
    EarlyFlush kafka = new EarlyFlush();
    AwaitingProducer<String, String> producer = new AwaitingProducer<>(kafka);
    AtomicInteger callbacks = new AtomicInteger();
    producer.send(new ProducerRecord<>("t", "k1", "v"), (m, e) -> callbacks.incrementAndGet());
    producer.send(new ProducerRecord<>("t", "k2", "v"), (m, e) -> callbacks.incrementAndGet());

    CompletableFuture<Void> flush = CompletableFuture.runAsync(producer::flush);
    assertFalse(returnsWithin(flush, 200), "flush returned with records in flight");
    kafka.completeNext();
    kafka.errorNext(new RuntimeException("refused"));
    flush.get(10, TimeUnit.SECONDS);
    assertEquals(2, callbacks.get());
  }

  private static boolean returnsWithin(CompletableFuture<?> future, long millis) throws Exception {
    try {
      future.get(millis, TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException stillWaiting) {
      return false;
    }
  }

  @Test
  void keepsOnlyRecordsInFlight() {
    MockProducer<String, String> kafka = new MockProducer<>(true, new StringSerializer(), new StringSerializer());
    AwaitingProducer<String, String> producer = new AwaitingProducer<>(kafka);
    for (int i = 0; i < 100_000; i++) {
      producer.send(new ProducerRecord<>("t", "k", "v"));
    }
    assertTrue(producer.tracked() <= 2 * 4096, "holds " + producer.tracked());
    producer.flush();
    assertEquals(0, producer.tracked());
    assertEquals(100_000, kafka.history().size());
  }
}
