package io.predictionrelay.transforms;

import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.schema;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.SplitReader;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.DeadLetter.Reason;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.RunMetrics;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadSplitsTest {
  @TempDir Path dir;
  private TestPipeline pipeline;

  @BeforeEach
  void createPipeline() {
    pipeline = TestPipelines.create();
  }

  private static Map<String, Object> nullable(String id, Object c0, Object c1) {
    Map<String, Object> row = new HashMap<>();
    row.put("id_client", id);
    row.put("class_0", c0);
    row.put("class_1", c1);
    return row;
  }

  @Test
  void convertsRowsAndSetsAsideTheOnesThatCannotBePublished() throws IOException {
    write(
        dir.resolve("p.parquet"),
        schema("id_client: string?", "class_1: double?", "class_0: float?"),
        List.of(
            nullable("good", 0.25f, 0.75),
            nullable(null, 0.5f, 0.5),
            nullable("", 0.5f, 0.5),
            nullable("has-null", null, 0.5),
            nullable("has-nan", 0.5f, Double.NaN),
            nullable("has-inf", Float.NEGATIVE_INFINITY, 0.5)));
    ParquetInput input = ParquetInput.describe(dir.resolve("p.parquet").toString());
    Path dead = dir.resolve("dead");
    PAssert.that(pipeline.apply(read(input).withDeadLetterDir(dead.toString())))
        .containsInAnyOrder(new Prediction("good", new double[] {0.25, 0.75}));
    List<DeadLetter> expected =
        List.of(
            new DeadLetter(Reason.MISSING_ID, "id_client is null",
                "{\"id_client\":null,\"class_0\":0.5,\"class_1\":0.5}"),
            new DeadLetter(Reason.MISSING_ID, "id_client is empty",
                "{\"id_client\":\"\",\"class_0\":0.5,\"class_1\":0.5}"),
            new DeadLetter(Reason.NULL_CLASS_VALUE, "class_0 is null",
                "{\"id_client\":\"has-null\",\"class_0\":null,\"class_1\":0.5}"),
            new DeadLetter(Reason.NON_FINITE_CLASS_VALUE, "class_1 is NaN",
                "{\"id_client\":\"has-nan\",\"class_0\":0.5,\"class_1\":\"NaN\"}"),
            new DeadLetter(Reason.NON_FINITE_CLASS_VALUE, "class_0 is -Infinity",
                "{\"id_client\":\"has-inf\",\"class_0\":\"-Infinity\",\"class_1\":0.5}"));
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    assertEquals(lines(expected), deadLetterLines(dead));
    assertEquals(2, splitFact(result, RunMetrics.deadLetters(Reason.MISSING_ID)));
    assertEquals(1, splitFact(result, RunMetrics.deadLetters(Reason.NULL_CLASS_VALUE)));
    assertEquals(2, splitFact(result, RunMetrics.deadLetters(Reason.NON_FINITE_CLASS_VALUE)));
    assertEquals(6, splitFact(result, RunMetrics.ROWS_READ));
    assertEquals(1, counter(result, RunMetrics.SPLIT_READS));
    assertEquals(6, counter(result, RunMetrics.ROWS_READ_ALL_ATTEMPTS));
  }

  /** The reader with the settings a run would give it, each row an element, to be adjusted by each test. */
  private static ReadSplits<Prediction> read(ParquetInput input) {
    return ReadSplits.of(input, new EachRow())
        .withFormat(MessageFormat.of(input.schema()))
        .withMaxMessageBytes(1_000_000)
        .withDeadLetterDir("dead-letters");
  }

  /** Each row as an element: what the groupings avoid, and what shows the reader's output plainly. */
  static final class EachRow implements ReadSplits.Rows<Prediction> {
    @Override
    public String stepName() {
      return "EachRow";
    }

    @Override
    public ReadSplitsFn<Prediction> readingWith(SplitReader reader) {
      return new ReadSplitsFn<>(reader) {
        @Override
        protected void processSplit(InputSplit split, OutputReceiver<Prediction> out) throws IOException {
          readRows(split, out::output);
        }
      };
    }

    @Override
    public Coder<Prediction> coder() {
      return PredictionCoder.of();
    }
  }

  /** A fact per split summed over the splits (each split's gauge {@code name.split_<i>}). */
  static long splitFact(PipelineResult result, String name) {
    long sum = 0;
    for (var gauge : result.metrics().queryMetrics(MetricsFilter.builder()
            .addNameFilter(MetricNameFilter.inNamespace(RunMetrics.NAMESPACE)).build()).getGauges()) {
      if (gauge.getName().getName().startsWith(name + RunMetrics.SPLIT_FACT)) {
        sum += gauge.getCommitted().getValue();
      }
    }
    return sum;
  }

  private static long counter(PipelineResult result, String name) {
    return result.metrics().queryMetrics(MetricsFilter.builder()
            .addNameFilter(MetricNameFilter.named(RunMetrics.NAMESPACE, name)).build())
        .getCounters().iterator().next().getCommitted();
  }

  private static Set<String> lines(List<DeadLetter> deadLetters) {
    return deadLetters.stream().map(DeadLetter::toJsonLine).collect(Collectors.toCollection(TreeSet::new));
  }

  /** Every line of the visible dead-letter files; no temporary file may be left behind. */
  private static Set<String> deadLetterLines(Path dir) throws IOException {
    Set<String> lines = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        assertTrue(name.startsWith("dead-letters-") && name.endsWith(".jsonl"), "unexpected file " + name);
        lines.addAll(Files.readAllLines(file));
      }
    }
    return lines;
  }

  @Test
  void aPredictionOverTheByteCapIsADeadLetter() throws IOException {
    write(dir.resolve("p.parquet"), io.predictionrelay.testing.ParquetFixtures.predictionSchema(1),
        List.of(row("short", 0.5), row("a-much-longer-client-id", 0.5)));
    ParquetInput input = ParquetInput.describe(dir.resolve("p.parquet").toString());
    int cap = "[{\"id_client\":\"short\",\"class_0\":0.5}]".length();
    Path dead = dir.resolve("dead");
    PAssert.that(pipeline.apply(
            read(input).withMaxMessageBytes(cap).withDeadLetterDir(dead.toString())))
        .containsInAnyOrder(new Prediction("short", new double[] {0.5}));
    List<DeadLetter> expected = List.of(new DeadLetter(Reason.PREDICTION_TOO_LARGE,
            "alone it encodes to "
                + "[{\"id_client\":\"a-much-longer-client-id\",\"class_0\":0.5}]".length()
                + " bytes, over --maxMessageBytes=" + cap,
            "{\"id_client\":\"a-much-longer-client-id\",\"class_0\":0.5}"));
    pipeline.run().waitUntilFinish();
    assertEquals(lines(expected), deadLetterLines(dead));
  }
}
