package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.verify.VerifyReport;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated Parquet → the pipeline on a real runner → a real Kafka broker → consumed back and
 * reconciled row by row with the input.
 */
class EndToEndIT {
  private static final int ROWS = 30_000;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;

  @BeforeAll
  static void generate() throws Exception {
    GeneratePredictions.builder(dir.resolve("input")).rows(ROWS).classes(30).files(3).seed(5).build().run();
  }

  private RunSummary publishAndVerify(String topic, String... runnerArgs) throws Exception {
    String[] args = {
      "--input=" + dir.resolve("input"),
      "--bootstrapServers=" + KAFKA.bootstrapServers(),
      "--topic=" + topic,
      "--partitions=3",
      "--deadLetterDir=" + dir.resolve(topic + "-dead"),
    };
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.Arrays.stream(runnerArgs))
        .toArray(String[]::new);
    PublishOptions options = PipelineOptionsFactory.fromArgs(all).as(PublishOptions.class);
    io.predictionrelay.run.RunnerDefaults.apply(options, all);

    RunSummary summary = PublishPredictions.run(options);
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS, summary.predictions());
    assertEquals(0, summary.deadLettered());

    VerifyReport report =
        VerifyTopicBuilder.of(dir.resolve("input").toString(), KAFKA.bootstrapServers(), topic)
            .layout(options.getLayout())
            .doublePrecision(options.getDoublePrecision())
            .build()
            .verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(ROWS, report.expected());
    assertEquals(ROWS, report.received());
    assertEquals(0, report.missing());
    assertEquals(0, report.duplicatedPredictions());
    assertEquals(0, report.duplicatedMessages(), report.toString());
    assertEquals(0, report.overCountCap());
    assertEquals(0, report.overByteCap());
    assertEquals(0, report.mismatched());
    assertEquals(summary.messages(), report.messages());
    // 30,000 rows in ceil(30,000 / 2,000) = 15 buckets: all messages full but at most one per bucket.
    assertTrue(report.messages() <= ROWS / 10 + 15, "messages: " + report.messages());

    // Every partition is listed, and the acknowledged traffic adds up to what was published.
    Map<Integer, Map<String, Long>> partitions = summary.perPartition();
    assertEquals(java.util.Set.of(0, 1, 2), partitions.keySet(), summary.toString());
    assertEquals(summary.messages(), sum(partitions, "messages"), summary.toString());
    assertEquals(ROWS, sum(partitions, "predictions"), summary.toString());
    assertEquals(summary.bytes(), sum(partitions, "bytes"), summary.toString());
    return summary;
  }

  private static long sum(Map<Integer, Map<String, Long>> partitions, String what) {
    return partitions.values().stream().mapToLong(traffic -> traffic.get(what)).sum();
  }

  /** A user's partitioner: every record to partition 0, whatever its key. */
  public static final class FirstPartition implements Partitioner {
    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes, Cluster cluster) {
      return 0;
    }

    @Override
    public void close() {}

    @Override
    public void configure(Map<String, ?> configs) {}
  }

  /** Traffic is counted where the producer put it, and partitions that got nothing are listed too. */
  @Test
  void partitionsAreTheOnesTheProducerReports() throws Exception {
    RunSummary summary = publishAndVerify("e2e-partitioner", "--runner=SparkRunner", "--sparkMaster=local[2]",
        "--producerConfig=partitioner.class=" + FirstPartition.class.getName());
    Map<Integer, Map<String, Long>> partitions = summary.perPartition();
    assertEquals(ROWS, partitions.get(0).get("predictions"), summary.toString());
    assertEquals(Map.of("messages", 0L, "predictions", 0L, "bytes", 0L), partitions.get(1));
    assertEquals(Map.of("messages", 0L, "predictions", 0L, "bytes", 0L), partitions.get(2));
    assertTrue(summary.toString().contains("partition 2             0 messages"), summary.toString());
  }

  @Test
  void directRunner() throws Exception {
    publishAndVerify("e2e-direct", "--runner=DirectRunner");
  }

  @Test
  void sparkRunnerLocal() throws Exception {
    publishAndVerify("e2e-spark", "--runner=SparkRunner", "--sparkMaster=local[2]");
  }

  /** The verifier reads compact messages only, and expects every value rounded to 5 digits. */
  @Test
  void sparkRunnerCompactLayoutRoundedValues() throws Exception {
    publishAndVerify("e2e-spark-compact", "--runner=SparkRunner", "--sparkMaster=local[2]",
        "--layout=compact", "--doublePrecision=5");
  }

  /**
   * With almost no Spark memory, every cached block is refused: nothing may be published twice
   * (KafkaIO's writer output is cached because it has two outputs; recomputing it re-publishes).
   */
  @Test
  void sparkRunnerUnderMemoryPressurePublishesOnce() throws Exception {
    System.setProperty("spark.memory.fraction", "0.001");
    try {
      publishAndVerify("e2e-spark-pressure", "--runner=SparkRunner", "--sparkMaster=local[2]",
          "--sparkPartitions=8");
    } finally {
      System.clearProperty("spark.memory.fraction");
    }
  }
}
