package io.predictionrelay;

import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.run.ProgressReporter;
import io.predictionrelay.run.RunPlan;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline on the Direct runner, with the files sink standing in for Kafka. */
class PublishPredictionsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path dir;

  private Path input() throws IOException {
    Path input = Files.createDirectories(dir.resolve("input"));
    List<Map<String, Object>> first = new ArrayList<>();
    List<Map<String, Object>> second = new ArrayList<>();
    for (int i = 0; i < 137; i++) {
      (i % 2 == 0 ? first : second).add(row(String.format("client-%03d", i), i / 137.0, 1 - i / 137.0));
    }
    Map<String, Object> nan = row("bad-nan", Double.NaN, 0.5);
    Map<String, Object> noId = new HashMap<>(row("x", 0.5, 0.5));
    noId.put("id_client", null);
    second.add(nan);
    second.add(noId);
    write(input.resolve("a.parquet"), NULLABLE_ID, first);
    write(input.resolve("b.parquet"), NULLABLE_ID, second);
    return input;
  }

  private static final org.apache.avro.Schema NULLABLE_ID =
      io.predictionrelay.testing.ParquetFixtures.schema("id_client: string?", "class_0: double", "class_1: double");

  private RunResult run(Path input, String out, String... more) {
    List<String> args = new ArrayList<>(List.of(
        "--input=" + input, "--sink=files", "--outputDir=" + dir.resolve(out),
        "--deadLetterDir=" + dir.resolve(out + "-dead"), "--reportDir=" + dir.resolve(out + "-reports")));
    args.addAll(List.of(more));
    if (args.stream().noneMatch(a -> a.startsWith("--numBuckets="))) {
      args.add("--numBuckets=5");
    }
    PublishOptions options = PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(PublishOptions.class);
    RunPlan plan = RunPlan.plan(options);
    TestPipeline pipeline = TestPipelines.create();
    PublishPredictions.buildPipeline(pipeline, plan);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    return new RunResult(RunSummary.of(result, plan), lines(dir.resolve(out)),
        lines(dir.resolve(out + "-dead")));
  }

  private record RunResult(RunSummary summary, Set<String> messages, Set<String> deadLetters) {}

  private static Set<String> lines(Path directory) {
    if (!Files.exists(directory)) {
      return Set.of(); // a run without dead letters creates no dead-letter file
    }
    try (Stream<Path> files = Files.list(directory)) {
      Set<String> lines = new TreeSet<>();
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        lines.addAll(Files.readAllLines(f));
      }
      return lines;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void publishesEveryValidRowOnceInCappedMessagesAndReconciles() throws IOException {
    checkEveryValidRowOnce(run(input(), "out"));
  }

  @Test
  void bundleGroupingPublishesTheSameRowsWithoutAShuffle() throws IOException {
    checkEveryValidRowOnce(run(input(), "bundles", "--grouping=bundle"));
  }

  private void checkEveryValidRowOnce(RunResult run) throws IOException {
    Map<String, JsonNode> received = new HashMap<>();
    Set<String> keys = new TreeSet<>();
    for (String line : run.messages()) {
      JsonNode message = MAPPER.readTree(line);
      assertTrue(keys.add(message.get("key").asText()), "duplicate key " + line);
      JsonNode value = message.get("value");
      assertTrue(value.size() >= 1 && value.size() <= 10, line);
      assertEquals(value.size(), message.get("predictions").asInt());
      for (JsonNode object : value) {
        assertEquals(null, received.put(object.get("id_client").asText(), object), "twice: " + object);
      }
    }
    assertEquals(137, received.size());
    for (int i = 0; i < 137; i++) {
      JsonNode object = received.get(String.format("client-%03d", i));
      assertEquals(i / 137.0, object.get("class_0").doubleValue());
      assertEquals(1 - i / 137.0, object.get("class_1").doubleValue());
      assertEquals(3, object.size());
    }

    assertEquals(2, run.deadLetters().size());
    assertTrue(run.deadLetters().stream().anyMatch(l -> l.startsWith("{\"reason\":\"MISSING_ID\"")));
    assertTrue(run.deadLetters().stream().anyMatch(l -> l.startsWith("{\"reason\":\"NON_FINITE_CLASS_VALUE\"")));

    RunSummary summary = run.summary();
    assertEquals(139, summary.expectedRows());
    assertEquals(139, summary.rowsRead());
    assertEquals(137, summary.predictions());
    assertEquals(1, summary.deadLetters().get(DeadLetter.Reason.MISSING_ID));
    assertEquals(1, summary.deadLetters().get(DeadLetter.Reason.NON_FINITE_CLASS_VALUE));
    assertEquals(run.messages().size(), summary.messages());
    assertTrue(summary.reconciles(), summary.toString());
  }

  @Test
  void repeatedIdsAreDeliveredAsTheyAreAndCounted() throws IOException {
    Path input = Files.createDirectories(dir.resolve("repeats"));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      rows.add(row("same-client", i / 25.0, 1 - i / 25.0));
    }
    rows.add(row("other", 0.5, 0.5));
    write(input.resolve("r.parquet"), NULLABLE_ID, rows);
    RunResult run = run(input, "repeats-out");
    assertEquals(24, run.summary().repeatedIds());
    assertEquals(26, run.summary().predictions());
    assertTrue(run.summary().reconciles(), run.summary().toString());
    long delivered = 0;
    for (String line : run.messages()) {
      for (JsonNode object : MAPPER.readTree(line).get("value")) {
        delivered += object.get("id_client").asText().equals("same-client") ? 1 : 0;
      }
    }
    assertEquals(25, delivered);
  }

  /**
   * The case that lost data with the old bundle keys: half the rows share one id. In both
   * groupings every message has a key of its own, and every row arrives exactly once.
   */
  @ParameterizedTest
  @ValueSource(strings = {"bucket", "bundle"})
  void repeatedIdsGiveEveryMessageAKeyOfItsOwn(String grouping) throws IOException {
    Path input = Files.createDirectories(dir.resolve("half-repeated"));
    Map<String, Integer> expected = new HashMap<>();
    for (int f = 0; f < 2; f++) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        Map<String, Object> row = row(i % 2 == 0 ? "same-client" : "c-" + f + "-" + i, i / 1000.0, f);
        rows.add(row);
        expected.merge(row.get("id_client") + "|" + i / 1000.0 + "|" + (double) f, 1, Integer::sum);
      }
      write(input.resolve("part-" + f + ".parquet"), NULLABLE_ID, rows, 1024); // many row groups
    }
    RunResult run = run(input, "half-" + grouping, "--grouping=" + grouping);
    Set<String> keys = new TreeSet<>();
    Map<String, Integer> received = new HashMap<>();
    for (String line : run.messages()) {
      JsonNode message = MAPPER.readTree(line);
      assertTrue(keys.add(message.get("key").asText()), "two messages under key " + message.get("key"));
      for (JsonNode p : message.get("value")) {
        received.merge(p.get("id_client").asText() + "|" + p.get("class_0").doubleValue() + "|"
            + p.get("class_1").doubleValue(), 1, Integer::sum);
      }
    }
    assertEquals(expected, received);
    assertEquals(keys.size(), run.summary().messages());
    assertTrue(run.summary().reconciles(), run.summary().toString());
  }

  @Test
  void theLastProgressLineAgreesWithTheSummary() throws IOException {
    Path input = input();
    java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
    PublishOptions options = PipelineOptionsFactory.fromArgs(
            "--input=" + input, "--sink=files", "--outputDir=" + dir.resolve("p-out"),
            "--deadLetterDir=" + dir.resolve("p-dead"), "--runner=DirectRunner")
        .as(PublishOptions.class);
    RunPlan plan = RunPlan.plan(options);
    TestPipeline pipeline = TestPipelines.create();
    PublishPredictions.buildPipeline(pipeline, plan);
    PipelineResult result = pipeline.run();
    ProgressReporter progress =
        ProgressReporter.to(new java.io.PrintStream(printed, true), plan.input().totalRows()).watch(result, 5);
    result.waitUntilFinish();
    RunSummary summary = RunSummary.of(result, plan);
    progress.finish(summary);
    List<String> lines = printed.toString().lines().filter(l -> l.startsWith("progress:")).toList();
    String last = lines.get(lines.size() - 1);
    assertTrue(last.startsWith(String.format("progress: %,d of %,d rows read (100%%), %,d messages published",
        summary.rowsRead(), summary.expectedRows(), summary.messages())), last + "\n" + summary);
    assertTrue(last.endsWith(", done"), last);
  }

  @Test
  void skewShowsInTheReportAndTheRunStaysWithinTheByteCap() throws IOException {
    Path input = Files.createDirectories(dir.resolve("skewed"));
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      rows.add(row("hot-client", i / 3000.0, 1 - i / 3000.0));
    }
    for (int i = 0; i < 200; i++) {
      rows.add(row("client-" + i, 0.5, 0.5));
    }
    write(input.resolve("s.parquet"), NULLABLE_ID, rows);
    int cap = 500;
    RunResult run = run(input, "skewed-out", "--maxMessageBytes=" + cap, "--numBuckets=20");
    RunSummary summary = run.summary();
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(3200, summary.predictions());
    assertEquals(20, summary.bucketRows().getCount());
    assertTrue(summary.bucketRows().getMax() >= 3000, summary.toString());
    assertTrue(summary.bucketRowsQuantile(0.5) <= 20, summary.toString()); // the median bucket is small
    assertTrue(summary.bucketRowsQuantile(1.0) >= 2940, summary.toString()); // the hot one, to within 2%
    for (String line : run.messages()) {
      String value = line.substring(line.indexOf(",\"value\":") + ",\"value\":".length(), line.length() - 1);
      assertTrue(value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= cap, line);
    }
    assertTrue(summary.fullMessageShare() > 0.9, summary.toString());
  }

  @Test
  void runsWriteAReportWithTheirBucketSizes() throws Exception {
    Path input = input();
    PublishOptions options = PipelineOptionsFactory.fromArgs(
            "--input=" + input, "--sink=files", "--outputDir=" + dir.resolve("r-out"),
            "--deadLetterDir=" + dir.resolve("r-dead"), "--reportDir=" + dir.resolve("r-reports"),
            "--numBuckets=3", "--runner=DirectRunner")
        .as(PublishOptions.class);
    RunSummary summary = PublishPredictions.run(options);
    Path json;
    try (Stream<Path> files = Files.list(dir.resolve("r-reports"))) {
      List<Path> reports = files.sorted().toList();
      assertEquals(2, reports.size(), reports.toString()); // the JSON and the PNG
      json = reports.stream().filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
      assertTrue(reports.stream().anyMatch(p -> p.toString().endsWith("-buckets.png")));
    }
    JsonNode report = MAPPER.readTree(json.toFile());
    assertEquals(139, report.get("counts").get("rowsRead").asLong());
    assertEquals(137, report.get("counts").get("predictionsPublished").asLong());
    assertTrue(report.get("counts").get("reconciles").asBoolean());
    assertEquals(3, report.get("rowsPerBucket").get("count").asLong());
    long histogramTotal = 0;
    for (JsonNode count : report.get("rowsPerBucket").get("histogram")) {
      histogramTotal += count.asLong();
    }
    assertEquals(3, histogramTotal);
    assertEquals(summary.messages(), report.get("counts").get("messagesPublished").asLong());
  }

  @Test
  void twoRunsOverTheSameInputYieldTheSameMessages() throws IOException {
    Path input = input();
    RunResult first = run(input, "first");
    RunResult second = run(input, "second");
    assertEquals(first.messages(), second.messages());
    assertEquals(first.deadLetters(), second.deadLetters());
    assertTrue(first.messages().size() >= 14);
  }
  /**
   * A secret given in --producerConfig is masked in the options once planned: what Beam serializes
   * to the workers and shows as display data holds no secret, and one warning names the key only.
   */
  @Test
  void secretsOfTheProducerConfigLeaveTheOptions() throws Exception {
    String password = "pw-" + java.util.UUID.randomUUID();
    PublishOptions options = PipelineOptionsFactory.fromArgs(
        "--input=x", "--producerConfig=linger.ms=5,sasl.jaas.config=org.apache.kafka.common.security.scram."
            + "ScramLoginModule required username=\"writer\" password=\"" + password + "\";")
        .as(PublishOptions.class);
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream original = System.err;
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      PublishPredictions.hideSecretsOfOptions(options);
    } finally {
      System.setErr(original);
    }
    String warning = err.toString(java.nio.charset.StandardCharsets.UTF_8);
    assertEquals("warning: --producerConfig holds sasl.jaas.config: a command line is seen by ps and kept in"
        + " shell histories; give secrets in --kafkaConfigFile", warning.strip());
    assertEquals("linger.ms=5,sasl.jaas.config=******", options.getProducerConfig());
    String serialized = new ObjectMapper()
        .registerModules(ObjectMapper.findModules(org.apache.beam.sdk.util.common.ReflectHelpers.findClassLoader()))
        .writeValueAsString(options);
    String displayData = org.apache.beam.sdk.transforms.display.DisplayData.from(options).toString();
    for (String seen : List.of(serialized, displayData, options.toString())) {
      assertTrue(!seen.contains(password), seen);
    }
    assertTrue(serialized.contains("sasl.jaas.config=******"), serialized);
  }
}
