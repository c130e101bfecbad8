package io.predictionrelay;

import static io.predictionrelay.testing.Runs.options;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.tools.VerifyTopic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.spark.TaskContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Spark task that dies on its first attempt, after part of its messages reached Kafka: Spark
 * retries it, nothing is lost, and the duplicates the retry writes carry the same keys and bytes,
 * so a consumer that drops repeated keys sees every prediction exactly once.
 */
class WorkerFaultsIT {
  private static final int ROWS = 20_000;
  private static final int FAIL_AFTER = 300;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir Path dir;

  /** Fails the first attempt of Spark partition 0 after FAIL_AFTER messages went to the writer. */
  static final class FailFirstAttempt extends PublishPredictions.MessageHook {
    @Override
    public PCollection<EncodedMessage> expand(PCollection<EncodedMessage> messages) {
      return messages.apply(ParDo.of(new DoFn<EncodedMessage, EncodedMessage>() {
        private transient int seen;

        @StartBundle
        public void start() {
          seen = 0;
        }

        @ProcessElement
        public void process(@Element EncodedMessage m, OutputReceiver<EncodedMessage> out) throws Exception {
          TaskContext task = TaskContext.get();
          if (task != null && task.partitionId() == 0 && task.attemptNumber() == 0 && ++seen > FAIL_AFTER) {
            Thread.sleep(1000); // let the producer deliver what it was handed, as a crash mid-task would
            throw new IllegalStateException("injected worker failure");
          }
          out.output(m);
        }
      }));
    }
  }

  @Test
  void sparkRetriesTheFailedTaskAndKeysDeduplicateExactly() throws Exception {
    Path input = dir.resolve("input");
    GeneratePredictions.builder(input).rows(ROWS).classes(30).files(2).seed(8).build().run();
    String topic = "worker-faults";
    RunSummary summary = PublishPredictions.run(options(
        "--input=" + input, "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=" + topic,
        "--deadLetterDir=" + dir.resolve("dead"), "--runner=SparkRunner",
        "--sparkMaster=local[2,4]"), new FailFirstAttempt()); // local[threads,maxFailures]
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS, summary.predictions()); // the failed attempt's counts are not committed

    VerifyTopic.Report report = VerifyTopic.builder(input.toString(), KAFKA.bootstrapServers(), topic).build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(0, report.missing);
    assertTrue(report.duplicatedMessages > 0, "the retry should have re-sent messages: " + report);

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
