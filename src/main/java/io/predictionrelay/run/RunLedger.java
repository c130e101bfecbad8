package io.predictionrelay.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.kafka.KafkaClientConfig;
import io.predictionrelay.model.MessageId;
import io.predictionrelay.options.LaunchException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A run's traces on Kafka: the records of the control topic (one when a run starts, one when it
 * ends, keyed by run id, so consumers can wait for "completed" instead of guessing), and what a run
 * delivered to the topic (its messages' keys and headers), which is how a failed run is resumed
 * without sending again what arrived.
 */
public final class RunLedger {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration POLL = Duration.ofMillis(500);

  private final String bootstrapServers;
  private final Map<String, Object> clientConfig;

  /** @param clientConfig the producer configuration of the run: its security settings are used */
  public RunLedger(String bootstrapServers, Map<String, ?> clientConfig) {
    this.bootstrapServers = bootstrapServers;
    this.clientConfig = new HashMap<>(clientConfig);
  }

  /**
   * Writes one record to the control topic, synchronously. It waits up to 30 s for the record's
   * acknowledgement: long enough for a new leader when the runs topic's leader has crashed (on a
   * KRaft cluster the controller notices after {@code broker.session.timeout.ms}, 9 s by default;
   * BrokerClusterFaultsIT measured 10.1 s and 14.8 s from the kill to the record written).
   */
  public void write(String runsTopic, String runId, Map<String, Object> record) {
    Map<String, Object> config = KafkaClientConfig.forProducer(clientConfig);
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    // What a run over plain files published lists every file: thousands of similar paths, which
    // compress about tenfold; the broker's limit applies to the compressed batch.
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20);
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(runsTopic, runId.getBytes(StandardCharsets.UTF_8),
          JSON.writeValueAsBytes(record))).get(40, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("could not write the run record to " + runsTopic + ": " + e, e);
    }
  }

  /** The latest record of a run on the control topic, if there is one. */
  public Optional<JsonNode> latestRecord(String runsTopic, String runId) {
    List<JsonNode> records = records(runsTopic, runId);
    return records.isEmpty() ? Optional.empty() : Optional.of(records.get(records.size() - 1));
  }

  /** Every record of a run on the control topic, oldest first: each attempt's start and end. */
  public List<JsonNode> records(String runsTopic, String runId) {
    List<JsonNode> records = new java.util.ArrayList<>();
    byte[] key = runId.getBytes(StandardCharsets.UTF_8);
    readAll(runsTopic, null, record -> {
      if (record.key() != null && Arrays.equals(record.key(), key)) {
        try {
          records.add(JSON.readTree(record.value()));
        } catch (java.io.IOException notARunRecord) {
          // another writer's record under the same key: not ours to read
        }
      }
    });
    return records;
  }

  /**
   * What the ledger says of one run: its records on the control topic, oldest first, and what it
   * delivered to the topic (null when its latest record says it completed: nothing was read).
   */
  public record History(List<JsonNode> records, Delivered delivered) {}

  /** Every record on the control topic, oldest first (it has one partition): every run's starts and ends. */
  public List<JsonNode> allRecords(String runsTopic) {
    List<JsonNode> records = new java.util.ArrayList<>();
    readAll(runsTopic, null, record -> {
      try {
        records.add(JSON.readTree(record.value()));
      } catch (java.io.IOException | RuntimeException notARunRecord) {
        // another writer's record: not ours to read
      }
    });
    return records;
  }

  /** What one run delivered to a topic, by bucket or split. */
  public static final class Delivered {
    private final Map<Integer, BitSet> batches = new TreeMap<>();
    private final Map<Integer, Integer> lastBatch = new HashMap<>();
    private boolean splits;
    private long messages;

    void add(MessageId id, boolean last) {
      splits = id.split();
      messages++;
      batches.computeIfAbsent(id.group(), g -> new BitSet()).set(id.batch());
      if (last) {
        lastBatch.put(id.group(), id.batch());
      }
    }

    /** Whether the run grouped by input split (the shuffle-free grouping) rather than bucket. */
    public boolean bySplit() {
      return splits;
    }

    /** Messages of the run on the topic, copies included. */
    public long messages() {
      return messages;
    }

    /** Groups whose every batch arrived: batches 0 to the one marked last. Sorted. */
    public int[] completeGroups() {
      return batches.entrySet().stream()
          .filter(e -> lastBatch.containsKey(e.getKey())
              && e.getValue().nextClearBit(0) > lastBatch.get(e.getKey()))
          .mapToInt(Map.Entry::getKey).toArray();
    }

    /** Groups of which some batches arrived but not all: they are sent again, whole. */
    public int partialGroups() {
      return batches.size() - completeGroups().length;
    }

    /** Distinct messages of the partial groups already on the topic: they will arrive twice. */
    public long messagesToResend() {
      int[] complete = completeGroups();
      return batches.entrySet().stream()
          .filter(e -> Arrays.binarySearch(complete, e.getKey()) < 0)
          .mapToLong(e -> e.getValue().cardinality()).sum();
    }
  }

  /** The messages of run {@code runId} on {@code topic}, read from {@code sinceMillis} on. */
  public Delivered delivered(String topic, String runId, long sinceMillis, String runIdHeader, String lastHeader) {
    Delivered delivered = new Delivered();
    byte[] id = runId.getBytes(StandardCharsets.UTF_8);
    readAll(topic, sinceMillis, record -> {
      Header run = record.headers().lastHeader(runIdHeader);
      if (run == null || !Arrays.equals(run.value(), id)) {
        return;
      }
      MessageId messageId = MessageId.parse(record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
      if (messageId != null) {
        delivered.add(messageId, record.headers().lastHeader(lastHeader) != null);
      }
    });
    return delivered;
  }

  /** Every record of a topic up to its end offsets when called, from the start or from a time. */
  private void readAll(String topic, Long sinceMillis, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Map<String, Object> config = KafkaClientConfig.forConsumer(clientConfig);
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        return;
      }
      List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      if (sinceMillis == null) {
        consumer.seekToBeginning(partitions);
      } else {
        Map<TopicPartition, Long> times = new HashMap<>();
        partitions.forEach(p -> times.put(p, sinceMillis));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(times);
        partitions.forEach(p -> consumer.seek(p, offsets.get(p) == null ? end.get(p) : offsets.get(p).offset()));
      }
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
            each.accept(record);
          }
        }
      }
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new LaunchException("could not read " + topic + " at --bootstrapServers=" + bootstrapServers + ": "
          + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
