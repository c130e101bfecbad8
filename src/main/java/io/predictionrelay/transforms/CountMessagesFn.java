package io.predictionrelay.transforms;

import io.predictionrelay.model.EncodedMessage;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.kafka.common.utils.Utils;

/**
 * Counts messages, predictions and bytes on their way into a sink. It is fused with the sink's
 * writer, so a bundle whose writes fail is retried whole and its counts are not committed.
 */
public final class CountMessagesFn extends DoFn<EncodedMessage, EncodedMessage> {
  public static final String MESSAGES = "messages_published";
  public static final String PREDICTIONS = "predictions_published";
  public static final String BYTES = "bytes_published";
  public static final String PREDICTIONS_PER_MESSAGE = "predictions_per_message";

  private final Counter messages = Metrics.counter(CountMessagesFn.class, MESSAGES);
  private final Counter predictions = Metrics.counter(CountMessagesFn.class, PREDICTIONS);
  private final Counter bytes = Metrics.counter(CountMessagesFn.class, BYTES);
  private final Distribution perMessage =
      Metrics.distribution(CountMessagesFn.class, PREDICTIONS_PER_MESSAGE);
  private final int partitions;
  private transient Counter[][] perPartition;

  /** Counts in total only: for sinks without partitions. */
  public CountMessagesFn() {
    this(0);
  }

  /**
   * Also counts per Kafka partition, computed as the producer's default partitioner places a keyed
   * record: murmur2 of the key bytes, modulo the partition count.
   */
  public CountMessagesFn(int partitions) {
    this.partitions = partitions;
  }

  /** The partition Kafka's default partitioner gives a key. */
  public static int partitionOf(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /** Counter names per partition: {@code partition_<p>_messages}, {@code _predictions}, {@code _bytes}. */
  public static String partitionCounter(int partition, String what) {
    return "partition_" + partition + "_" + what;
  }

  @Setup
  public void setup() {
    perPartition = new Counter[partitions][3];
    for (int p = 0; p < partitions; p++) {
      perPartition[p][0] = Metrics.counter(CountMessagesFn.class, partitionCounter(p, "messages"));
      perPartition[p][1] = Metrics.counter(CountMessagesFn.class, partitionCounter(p, "predictions"));
      perPartition[p][2] = Metrics.counter(CountMessagesFn.class, partitionCounter(p, "bytes"));
    }
  }

  @ProcessElement
  public void processElement(@Element EncodedMessage message, OutputReceiver<EncodedMessage> out) {
    messages.inc();
    predictions.inc(message.predictionCount());
    bytes.inc(message.value().length);
    perMessage.update(message.predictionCount());
    if (partitions > 0) {
      Counter[] counters = perPartition[partitionOf(message.key(), partitions)];
      counters[0].inc();
      counters[1].inc(message.predictionCount());
      counters[2].inc(message.value().length);
    }
    out.output(message);
  }
}
