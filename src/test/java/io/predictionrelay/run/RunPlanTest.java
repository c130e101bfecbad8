package io.predictionrelay.run;

import static io.predictionrelay.testing.ParquetFixtures.predictionSchema;
import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.MessageId;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunPlanTest {
  @TempDir Path dir;

  private static PublishOptions options(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(PublishOptions.class);
  }

  private static void assertRejected(String option, String... args) {
    LaunchException e =
        assertThrows(LaunchException.class, () -> RunPlan.plan(options(args)));
    assertTrue(e.getMessage().contains(option), "'" + e.getMessage() + "' should name " + option);
  }

  @Test
  void rejectsBadOptionsBeforeReadingAnything() {
    assertRejected("--maxPredictionsPerMessage", "--input=x", "--maxPredictionsPerMessage=0");
    assertRejected("--maxMessageBytes", "--input=x", "--maxMessageBytes=-5");
    assertRejected("--bootstrapServers", "--input=x", "--bootstrapServers=nohost");
    assertRejected("--producerConfig", "--input=x", "--producerConfig=no.such.property=1");
    assertRejected("--producerConfig", "--input=x", "--producerConfig=batch.size=big");
    assertRejected("--kafkaConfigFile", "--input=x", "--kafkaConfigFile=/no/such/client.properties");
    assertRejected("--numBuckets", "--input=x", "--numBuckets=-1");
    assertRejected("--doublePrecision", "--input=x", "--doublePrecision=18");
    assertRejected("--doublePrecision", "--input=x", "--doublePrecision=-1");
  }

  @Test
  void rejectsAByteCapBelowTheSmallestPrediction() throws IOException {
    write(dir.resolve("p.parquet"), predictionSchema(30), List.of(row("x", new double[30])));
    assertRejected("--maxMessageBytes", "--input=" + dir, "--sink=files", "--maxMessageBytes=100");
  }

  @Test
  void settlesTheMessageFormat() throws IOException {
    write(dir.resolve("p.parquet"), predictionSchema(2), List.of(row("x", new double[2])));
    RunPlan plan =
        RunPlan.plan(options("--input=" + dir, "--sink=files", "--layout=Compact", "--doublePrecision=4"));
    assertEquals(
        MessageFormat.of(PredictionSchema.withClasses(2))
            .withLayout(MessageFormat.Layout.COMPACT)
            .withDoublePrecision(4),
        plan.format());
    assertTrue(plan.describe().contains("compact layout, doubles to 4 significant digits"), plan.describe());
  }

  @Test
  void derivesBucketsFromFooterRowCount() throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 4001; i++) {
      rows.add(row("id" + i, 0.5));
    }
    write(dir.resolve("p.parquet"), predictionSchema(1), rows);
    assertEquals(3, RunPlan.plan(options("--input=" + dir, "--sink=files")).buckets());
    assertEquals(401, RunPlan.plan(options("--input=" + dir, "--sink=files", "--rowsPerBucket=10")).buckets());
    assertEquals(7, RunPlan.plan(options("--input=" + dir, "--sink=files", "--numBuckets=7")).buckets());
  }

  @Test
  void theFingerprintIsTheSameForTheSameInputAndChangesWithIt() throws IOException {
    Path file = write(dir.resolve("p.parquet"), predictionSchema(2), List.of(row("x", 0.1, 0.9)));
    String first = RunPlan.plan(options("--input=" + dir, "--sink=files")).identity().fingerprint();
    assertEquals(first, RunPlan.plan(options("--input=" + dir, "--sink=files")).identity().fingerprint());
    assertTrue(!first.equals(RunPlan.plan(options("--input=" + dir, "--sink=files", "--numBuckets=9"))
        .identity().fingerprint()), "G shapes the messages");
    assertTrue(!first.equals(RunPlan.plan(options("--input=" + dir, "--sink=files", "--layout=compact"))
        .identity().fingerprint()), "so does the layout");
    java.nio.file.Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
    assertTrue(!first.equals(RunPlan.plan(options("--input=" + dir, "--sink=files")).identity().fingerprint()),
        "a rewritten file is another input");
    assertTrue(!RunPlan.plan(options("--input=" + dir, "--sink=files")).identity().runId()
        .equals(RunPlan.plan(options("--input=" + dir, "--sink=files")).identity().runId()), "every run its own id");
  }

  @Test
  void onlyARunToKafkaCanBeResumed() throws IOException {
    write(dir.resolve("p.parquet"), predictionSchema(2), List.of(row("x", 0.1, 0.9)));
    assertRejected("--resume=20261122-010203-0a0b0c0d", "--input=" + dir, "--sink=files", "--resume=20261122-010203-0a0b0c0d");
    assertRejected("--maxMessagesPerSecond", "--input=" + dir, "--sink=files", "--maxMessagesPerSecond=-1");
  }

  /** What pre-flight found, made by hand: a topic of 6 partitions taking records of up to 100,000 bytes. */
  private static Preflight found(ParquetInput input, RunLedger.History earlier) {
    return new Preflight(Map.of("batch.size", 1_048_576, "linger.ms", 5), new Preflight.Topic("t", 6, 100_000),
        input, earlier, null);
  }

  @Test
  void thePlanIsAValueOfTheOptionsAndWhatPreflightFound() throws IOException {
    write(dir.resolve("p.parquet"), predictionSchema(2), List.of(row("x", 0.1, 0.9)));
    ParquetInput input = ParquetInput.describe(dir.toString());
    // No broker listens on port 1: the plan talks to nothing.
    RunPlan plan = RunPlan.of(options("--input=" + dir, "--topic=t", "--bootstrapServers=127.0.0.1:1"),
        found(input, null));
    assertFalse(plan.topicMissing());
    assertEquals(6, plan.topicPartitions());
    assertEquals(Map.of("batch.size", 100_000 - 1024, "linger.ms", 5), plan.producerConfig());
    assertEquals(1, plan.buckets());
    assertEquals(1, plan.identity().attempt());
  }

  @Test
  void aResumedRunIsDecidedFromWhatItsLedgerSays() throws Exception {
    write(dir.resolve("p.parquet"), predictionSchema(2), List.of(row("x", 0.1, 0.9)));
    ParquetInput input = ParquetInput.describe(dir.toString());
    String[] run = {"--input=" + dir, "--topic=t", "--numBuckets=3"};
    String fingerprint = RunPlan.of(options(run), found(input, null)).identity().fingerprint();
    String[] resume = {"--input=" + dir, "--topic=t", "--numBuckets=3", "--resume=r1"};
    ObjectMapper json = new ObjectMapper();
    JsonNode started = json.readTree("{\"status\":\"started\",\"input_fingerprint\":\"" + fingerprint
        + "\",\"started_at_millis\":1000,\"heartbeat_at_millis\":1000}");

    // Bucket 0 arrived whole; of bucket 2 only batch 1, which is sent again with the rest.
    RunLedger.Delivered delivered = new RunLedger.Delivered();
    delivered.add(MessageId.ofBucket(0, 0), true);
    delivered.add(MessageId.ofBucket(2, 1), false);
    RunIdentity.Resume resumed = RunPlan.of(options(resume),
        found(input, new RunLedger.History(List.of(started), delivered))).identity().resume();
    assertArrayEquals(new int[] {0}, resumed.completeGroups());
    assertEquals(1, resumed.partialGroups());
    assertEquals(1, resumed.messagesToResend());
    assertEquals(2, resumed.attempt());
    assertFalse(resumed.completed());

    JsonNode completed = json.readTree("{\"status\":\"completed\",\"input_fingerprint\":\"" + fingerprint
        + "\",\"ended_at\":\"2026-12-01T00:00:00Z\"}");
    RunIdentity.Resume done = RunPlan.of(options(resume),
        found(input, new RunLedger.History(List.of(started, completed), null))).identity().resume();
    assertEquals("2026-12-01T00:00:00Z", done.completedAt());

    JsonNode other = json.readTree("{\"status\":\"failed\",\"input_fingerprint\":\"0123\"}");
    LaunchException e = assertThrows(LaunchException.class, () -> RunPlan.of(options(resume),
        found(input, new RunLedger.History(List.of(started, other), delivered))));
    assertTrue(e.getMessage().startsWith("--resume=r1: the input or the options that shape its messages changed"),
        e.getMessage());
  }
}
