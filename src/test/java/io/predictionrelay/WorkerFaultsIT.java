package io.predictionrelay;

import static io.predictionrelay.testing.Runs.options;
import static io.predictionrelay.testing.Runs.runWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.verify.VerifyReport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark task that dies on its first attempt, after part of its messages reached Kafka: Spark
 * retries it, nothing is lost, and the duplicates the retry writes carry the same keys and bytes,
 * so a consumer that drops repeated keys sees every prediction exactly once. For both groupings:
 * the shuffle-free one cuts messages as it reads, so its retry must cut them the same way.
 */
class WorkerFaultsIT {
  private static final int ROWS = 20_000;
  private static final int FAIL_AFTER = 300;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir Path dir;

  /** Topics whose one injected failure has happened (Spark's local mode runs tasks in this JVM). */
  private static final Set<String> FAILED = ConcurrentHashMap.newKeySet();

  /**
   * Fails the first task attempt that hands FAIL_AFTER messages to the writer, once those messages
   * are on the topic (as a worker that crashes mid-task after part of its output went out).
   */
  static final class FailOnce extends PTransform<PCollection<EncodedMessage>, PCollection<EncodedMessage>> {
    private final String bootstrapServers;
    private final String topic;

    FailOnce(String bootstrapServers, String topic) {
      this.bootstrapServers = bootstrapServers;
      this.topic = topic;
    }

    @Override
    public PCollection<EncodedMessage> expand(PCollection<EncodedMessage> messages) {
      return messages.apply(ParDo.of(new DoFn<EncodedMessage, EncodedMessage>() {
        private transient List<String> handed;

        @StartBundle
        public void start() {
          handed = new java.util.ArrayList<>();
        }

        @ProcessElement
        public void process(@Element EncodedMessage m, OutputReceiver<EncodedMessage> out) {
          // The writer pulls each message through this step, so the ones before were sent already.
          if (handed.size() == FAIL_AFTER && FAILED.add(topic)) {
            awaitOnTopic(bootstrapServers, topic, Set.copyOf(handed));
            throw new IllegalStateException("injected worker failure");
          }
          handed.add(m.key());
          out.output(m);
        }
      }));
    }
  }

  /** Waits until every one of {@code keys} can be read from the topic. */
  static void awaitOnTopic(String bootstrapServers, String topic, Set<String> keys) {
    Set<String> missing = new HashSet<>(keys);
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!missing.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(missing.size() + " handed messages never reached the topic");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(r -> missing.remove(r.key()));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"bucket", "bundle"})
  void sparkRetriesTheFailedTaskAndKeysDeduplicateExactly(String grouping) throws Exception {
    Path input = dir.resolve("input");
    GeneratePredictions.builder(input).rows(ROWS).classes(30).files(2).seed(8).build().run();
    String topic = "worker-faults-" + grouping;
    RunSummary summary = runWith(options(
        "--input=" + input, "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=" + topic,
        "--grouping=" + grouping, "--deadLetterDir=" + dir.resolve("dead"), "--runner=SparkRunner",
        "--reportDir=" + dir.resolve("reports"),
        "--sparkMaster=local[2,4]"), new FailOnce(KAFKA.bootstrapServers(), topic)); // local[threads,maxFailures]
    assertTrue(FAILED.contains(topic), "no failure was injected");
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS, summary.predictions()); // the failed attempt's counts are not committed

    VerifyReport report = VerifyTopicBuilder.of(input.toString(), KAFKA.bootstrapServers(), topic).build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(0, report.missing());
    assertEquals(0, report.conflictingKeys());
    assertTrue(report.duplicatedMessages() >= FAIL_AFTER, "the retry should have re-sent messages: " + report);

    // A consumer that keeps the first message of each key sees each prediction exactly once.
    Map<String, byte[]> firstByKey = new HashMap<>();
    Set<String> ids = new HashSet<>();
    long predictions = 0;
    ObjectMapper mapper = new ObjectMapper();
    for (ConsumerRecord<String, byte[]> record : consumeAll(topic)) {
      byte[] earlier = firstByKey.putIfAbsent(record.key(), record.value());
      if (earlier != null) {
        assertArrayEquals(earlier, record.value(), "a duplicate differs from its first copy: " + record.key());
        continue;
      }
      for (JsonNode prediction : mapper.readTree(record.value())) {
        assertTrue(ids.add(prediction.get("id_client").asText()), "seen twice after dedup: " + prediction);
        predictions++;
      }
    }
    assertEquals(ROWS, predictions);
    assertEquals(summary.messages(), firstByKey.size());
  }

  private static List<ConsumerRecord<String, byte[]>> consumeAll(String topic) {
    Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<String, byte[]>> records = new java.util.ArrayList<>();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
      return records;
    }
  }
}
