package io.predictionrelay.run;

import static io.predictionrelay.testing.ParquetFixtures.predictionSchema;
import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.model.MessageFormat;
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
}
