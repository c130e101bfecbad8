package io.predictionrelay.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.model.RunMetrics;
import io.predictionrelay.model.RunMetrics.PartitionTraffic;
import java.io.Closeable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.sdk.metrics.MetricName;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
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
    AwaitingProducer<String, String> producer = new AwaitingProducer<>(kafka, record -> 1);
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

  /** Sends everything to partition 2, whatever the key: a user's partitioner. */
  public static final class LastPartition implements Partitioner {
    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
      return 2;
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  @Test
  void countsTrafficUnderThePartitionTheProducerReports() throws Exception {
    Node node = new Node(0, "127.0.0.1", 9092);
    List<PartitionInfo> partitions = List.of(0, 1, 2).stream()
        .map(p -> new PartitionInfo("t", p, node, new Node[] {node}, new Node[] {node})).toList();
    Cluster cluster = new Cluster("c", List.of(node), partitions, Set.of(), Set.of());
    MockProducer<String, String> kafka = new MockProducer<>(
        cluster, false, new LastPartition(), new StringSerializer(), new StringSerializer());
    AwaitingProducer<String, String> producer =
        new AwaitingProducer<>(kafka, record -> Integer.parseInt(record.value()));
    MetricsContainerImpl metrics = new MetricsContainerImpl("WriteToKafka");
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(metrics)) {
      producer.send(new ProducerRecord<>("t", "a", "3"));
      producer.send(new ProducerRecord<>("t", "b", "4"));
      producer.send(new ProducerRecord<>("t", "c", "5"));
      kafka.completeNext();
      kafka.completeNext();
      kafka.errorNext(new RuntimeException("refused")); // not acknowledged: not counted
      producer.flush();
    }
    assertEquals(2, count(metrics, PartitionTraffic.MESSAGES.counterName(2)));
    assertEquals(7, count(metrics, PartitionTraffic.PREDICTIONS.counterName(2)));
    assertEquals(0, count(metrics, PartitionTraffic.MESSAGES.counterName(0)));
    assertEquals(0, count(metrics, PartitionTraffic.MESSAGES.counterName(1)));
  }

  private static long count(MetricsContainerImpl metrics, String name) {
    return metrics.getCounter(MetricName.named(RunMetrics.NAMESPACE, name)).getCumulative();
  }

  @Test
  void keepsOnlyRecordsInFlight() {
    MockProducer<String, String> kafka = new MockProducer<>(true, new StringSerializer(), new StringSerializer());
    AwaitingProducer<String, String> producer = new AwaitingProducer<>(kafka, record -> 1);
    for (int i = 0; i < 100_000; i++) {
      producer.send(new ProducerRecord<>("t", "k", "v"));
    }
    assertTrue(producer.tracked() <= 2 * 4096, "holds " + producer.tracked());
    producer.flush();
    assertEquals(0, producer.tracked());
    assertEquals(100_000, kafka.history().size());
  }
}
