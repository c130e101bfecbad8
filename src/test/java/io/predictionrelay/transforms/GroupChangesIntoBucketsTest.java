package io.predictionrelay.transforms;

import static io.predictionrelay.testing.ParquetFixtures.predictionSchema;
import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.RunMetrics;
import io.predictionrelay.testing.TestPipelines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rewritten rows compared by id in the bucket grouping: only new and changed ids come out, in their
 * buckets; ids gone are written to the deleted-ids files; unchanged rows and base rows are counted.
 */
class GroupChangesIntoBucketsTest {
  @TempDir Path dir;

  @Test
  void onlyNewAndChangedIdsComeOutAndIdsGoneAreListed() throws IOException {
    Files.createDirectories(dir.resolve("before"));
    Files.createDirectories(dir.resolve("now"));
    write(dir.resolve("before/part-0.parquet"), predictionSchema(2), List.of(row("a", 0.1, 0.9), row("b", 0.2, 0.8),
        row("c", 0.3, 0.7), row("d", 0.4, 0.6), row("e", 0.5, 0.5), row("e", 0.5, 0.5)));
    write(dir.resolve("now/part-0.parquet"), predictionSchema(2), List.of(row("a", 0.1, 0.9), row("b", 0.2, 0.8),
        row("c", 0.35, 0.65), row("e", 0.5, 0.5), row("k", 1, 0)));
    ParquetInput now = ParquetInput.describe(dir.resolve("now").toString());
    List<InputSplit> base = new ArrayList<>();
    for (InputSplit split : ParquetInput.describe(dir.resolve("before").toString()).splits()) {
      base.add(new InputSplit(100 + split.index(), split.file(), split.fileSize(), split.start(), split.end(),
          split.firstRow(), split.rows(), split.partitionValues(), split.columns(), split.deleted()));
    }
    ReadSplits<KV<Integer, List<Prediction>>> read = ReadSplits.of(now, GroupIntoBuckets.of(3).packing())
        .withFormat(MessageFormat.of(now.schema()))
        .withMaxMessageBytes(1_000_000).withDeadLetterDir(dir.resolve("dead").toString());
    String deletedDir = dir.resolve("deleted").toString();

    TestPipeline pipeline = TestPipelines.create();
    var before = pipeline.apply("ReadBaseSplits", read.readingSplits(base));
    var changed = pipeline
        .apply("ReadSplits", read)
        .apply(GroupChangesIntoBuckets.comparingWith(before).writingDeletedIdsTo(deletedDir))
        .apply(MapElements.into(TypeDescriptors.kvs(TypeDescriptors.integers(),
                TypeDescriptors.lists(TypeDescriptors.strings())))
            .via(bucket -> KV.of(bucket.getKey(), StreamSupport.stream(bucket.getValue().spliterator(), false)
                .map(Prediction::toString).sorted().toList())));
    List<KV<Integer, List<String>>> expected = new ArrayList<>();
    Map<String, String> rows = Map.of("c", "c[0.35, 0.65]", "e", "e[0.5, 0.5]", "k", "k[1.0, 0.0]");
    java.util.TreeMap<Integer, List<String>> byBucket = new java.util.TreeMap<>();
    rows.forEach((id, text) -> byBucket.computeIfAbsent(GroupIntoBuckets.bucketOf(id, 3), b -> new ArrayList<>())
        .add(text));
    byBucket.forEach((bucket, texts) -> expected.add(KV.of(bucket, texts.stream().sorted().toList())));
    PAssert.that(changed).containsInAnyOrder(expected);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    assertEquals(2, counter(result, RunMetrics.PREDICTIONS_UNCHANGED)); // a, b
    assertEquals(6, counter(result, RunMetrics.BASE_ROWS_COMPARED));
    assertEquals(1, counter(result, RunMetrics.IDS_NEW)); // k
    assertEquals(2, counter(result, RunMetrics.IDS_CHANGED)); // c, e (twice before, once now)
    assertEquals(1, counter(result, RunMetrics.IDS_DELETED)); // d
    TreeSet<String> deleted = new TreeSet<>();
    try (Stream<Path> files = Files.list(Path.of(deletedDir))) {
      for (Path file : files.toList()) {
        assertEquals(false, file.getFileName().toString().startsWith("."), "a temporary file left: " + file);
        deleted.addAll(Files.readAllLines(file));
      }
    }
    assertEquals(new TreeSet<>(List.of("d")), deleted);
  }

  private static long counter(PipelineResult result, String name) {
    long sum = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(RunMetrics.NAMESPACE, name)).build()).getCounters()) {
      sum += c.getCommitted();
    }
    return sum;
  }
}
