package io.predictionrelay.verify;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every partition of a topic, from the beginning or from a time, up to the end offsets seen
 * when it starts, so that a topic still being written to gives a definite answer. No consumer group
 * and no committed offsets: it changes nothing on the cluster.
 */
final class TopicReader {
  private final String bootstrapServers;
  /** The client properties of --kafkaConfigFile a consumer understands (security settings). */
  private final Map<String, Object> clientConfig;
  private final String topic;
  private final Long sinceMillis;
  private final int maxMessageBytes;

  TopicReader(String bootstrapServers, Map<String, Object> clientConfig, String topic, Long sinceMillis,
      int maxMessageBytes) {
    this.bootstrapServers = bootstrapServers;
    this.clientConfig = Map.copyOf(clientConfig);
    this.topic = topic;
    this.sinceMillis = sinceMillis;
    this.maxMessageBytes = maxMessageBytes;
  }

  /** Hands every record to {@code consumer}; {@code progress} is called now and then. */
  void readAll(Consumer<ConsumerRecord<byte[], byte[]>> consumer, Runnable progress) {
    // The file's settings under the reader's own: what it reads and how is not the file's business.
    Map<String, Object> config = new HashMap<>(clientConfig);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Math.max(1 << 20, maxMessageBytes + 4096));
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> kafka =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = kafka.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist at " + bootstrapServers);
      }
      List<TopicPartition> partitions =
          infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      kafka.assign(partitions);
      Map<TopicPartition, Long> end = kafka.endOffsets(partitions);
      seekToStart(kafka, partitions, end);
      long lastProgress = System.nanoTime();
      while (!caughtUp(kafka, end)) {
        for (ConsumerRecord<byte[], byte[]> record : kafka.poll(Duration.ofMillis(500))) {
          if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
            consumer.accept(record);
          }
        }
        if (System.nanoTime() - lastProgress > 5_000_000_000L) {
          progress.run();
          lastProgress = System.nanoTime();
        }
      }
    }
  }

  private void seekToStart(
      KafkaConsumer<byte[], byte[]> kafka, List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
    if (sinceMillis == null) {
      kafka.seekToBeginning(partitions);
      return;
    }
    Map<TopicPartition, Long> times = new HashMap<>();
    partitions.forEach(p -> times.put(p, sinceMillis));
    Map<TopicPartition, OffsetAndTimestamp> offsets = kafka.offsetsForTimes(times);
    for (TopicPartition p : partitions) {
      OffsetAndTimestamp at = offsets.get(p);
      kafka.seek(p, at == null ? end.get(p) : at.offset());
    }
  }

  private static boolean caughtUp(KafkaConsumer<?, ?> kafka, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (kafka.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
