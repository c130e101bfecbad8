package io.predictionrelay.transforms;

import static io.predictionrelay.testing.ParquetFixtures.predictionSchema;
import static io.predictionrelay.testing.ParquetFixtures.row;
import static io.predictionrelay.testing.ParquetFixtures.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.hash.Hashing;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.RunMetrics;
import io.predictionrelay.testing.TestPipelines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.runners.TransformHierarchy;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.TimestampCombiner;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.joda.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupIntoBucketsTest {
  @TempDir Path dir;
  private TestPipeline pipeline;

  @BeforeEach
  void createPipeline() {
    pipeline = TestPipelines.create();
  }

  @Test
  void hashIsMurmur3AsGuavaComputesIt() {
    for (String id : new String[] {"", "a", "client-42", UUID.randomUUID().toString(), "é😀"}) {
      long guava = Hashing.murmur3_128().hashString(id, StandardCharsets.UTF_8).asLong();
      assertEquals(Math.floorMod(guava, 1000L), GroupIntoBuckets.bucketOf(id, 1000), id);
    }
  }

  @Test
  void spreadsUuidsEvenly() {
    int buckets = 100;
    int[] counts = new int[buckets];
    java.util.Random random = new java.util.Random(1);
    for (int i = 0; i < 200_000; i++) {
      counts[GroupIntoBuckets.bucketOf(new UUID(random.nextLong(), random.nextLong()).toString(), buckets)]++;
    }
    // Poisson-like: mean 2000, sd ~45; six sigma either side.
    for (int count : counts) {
      assertTrue(count > 1730 && count < 2270, "bucket of " + count);
    }
  }

  @Test
  void bucketCountComesFromRowsPerBucket() {
    assertEquals(500, GroupIntoBuckets.bucketsFor(1_000_000, 2000));
    assertEquals(501, GroupIntoBuckets.bucketsFor(1_000_001, 2000));
    assertEquals(1, GroupIntoBuckets.bucketsFor(0, 2000));
    assertThrows(IllegalArgumentException.class, () -> GroupIntoBuckets.of(0));
    assertThrows(IllegalArgumentException.class, () -> GroupIntoBuckets.of(7).withMaxBufferedRows(0));
  }

  /**
   * Two files of small row groups (about 20 splits) with a repeated id, 13 rows at most waiting in a
   * bundle: blocks sent on mid-bundle and at the end of bundles come together again, and each bucket
   * holds exactly its rows, the repeated id twice, as a GroupByKey of the rows would.
   */
  @Test
  void eachBucketHoldsExactlyItsRows() throws IOException {
    List<Prediction> rows = writeRows(2_000);
    PAssert.that(idsPerBucket(GroupIntoBuckets.of(7).withMaxBufferedRows(13)))
        .containsInAnyOrder(expectedBuckets(rows, 7, List.of()));
    pipeline.run().waitUntilFinish();
  }

  @Test
  void aResumedRunDropsTheCompleteBucketsAndCountsTheirRows() throws IOException {
    List<Prediction> rows = writeRows(2_000);
    List<KV<Integer, List<String>>> expected = expectedBuckets(rows, 7, List.of(2, 5));
    PAssert.that(idsPerBucket(GroupIntoBuckets.of(7).skipping(new int[] {5, 2})))
        .containsInAnyOrder(expected);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();

    long kept = expected.stream().mapToLong(bucket -> bucket.getValue().size()).sum();
    assertEquals(5, expected.size());
    assertTrue(kept < 1_800 && kept > 1_000, "kept " + kept);
    assertEquals(rows.size() - kept, ReadSplitsTest.splitFact(result, RunMetrics.PREDICTIONS_SKIPPED));
  }

  /**
   * The grouping itself runs in {@link SortedGroupingWindows} (what steers Beam's Spark runner to its
   * sorted, uncached grouping), and what comes out is as a GroupByKey in the global window gives it:
   * in the global window, at its end, under the global windowing strategy, so nothing downstream
   * sees a difference.
   */
  @Test
  void theBucketsComeOutOfTheGlobalWindowAsAGlobalGroupByKeyGivesThem() throws IOException {
    List<Prediction> rows = writeRows(2_000);
    GroupIntoBuckets group = GroupIntoBuckets.of(7).withMaxBufferedRows(13);
    PCollection<KV<Integer, Iterable<Prediction>>> buckets = pipeline.apply(read(group)).apply(group);
    assertEquals(new GlobalWindows(), buckets.getWindowingStrategy().getWindowFn());
    assertEquals(TimestampCombiner.END_OF_WINDOW, buckets.getWindowingStrategy().getTimestampCombiner());

    PCollection<KV<Integer, String>> stamped = buckets.apply(ParDo.of(new StampFn()));
    String globalEnd = GlobalWindow.INSTANCE.maxTimestamp() + " " + GlobalWindow.INSTANCE;
    PAssert.that(stamped).inWindow(GlobalWindow.INSTANCE).containsInAnyOrder(
        expectedBuckets(rows, 7, List.of()).stream().map(bucket -> KV.of(bucket.getKey(), globalEnd)).toList());

    List<WindowFn<?, ?>> grouped = new ArrayList<>();
    pipeline.traverseTopologically(new Pipeline.PipelineVisitor.Defaults() {
      @Override
      public void visitPrimitiveTransform(TransformHierarchy.Node node) {
        if (node.getTransform() instanceof GroupByKey && node.getFullName().endsWith("/GroupBlocks")) {
          node.getInputs().values().forEach(input ->
              grouped.add(((PCollection<?>) input).getWindowingStrategy().getWindowFn()));
        }
      }
    });
    assertEquals(List.of(new SortedGroupingWindows()), grouped);
    pipeline.run().waitUntilFinish();
  }

  /**
   * What Beam 2.62's Spark runner asks of a windowing strategy before it groups by sorting instead
   * of caching ({@code TransformTranslator.groupByKey}): not {@code GlobalWindows}, non-merging,
   * END_OF_WINDOW, a window coder consistent with equals. And the window is the global one.
   */
  @Test
  void sortedGroupingWindowsAreTheGlobalWindowUnderAnotherName() {
    WindowingStrategy<?, ?> strategy = WindowingStrategy.of(new SortedGroupingWindows());
    assertNotEquals(strategy.getWindowFn(), new GlobalWindows());
    assertFalse(strategy.needsMerge());
    assertEquals(TimestampCombiner.END_OF_WINDOW, strategy.getTimestampCombiner());
    assertTrue(strategy.getWindowFn().windowCoder().consistentWithEquals());
    assertEquals(GlobalWindow.Coder.INSTANCE, strategy.getWindowFn().windowCoder());
    assertTrue(new SortedGroupingWindows().isCompatible(new SortedGroupingWindows()));
    assertFalse(new SortedGroupingWindows().isCompatible(new GlobalWindows()));
  }

  /** Each bucket's key with its timestamp and window. */
  static final class StampFn extends DoFn<KV<Integer, Iterable<Prediction>>, KV<Integer, String>> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Prediction>> bucket, @Timestamp Instant timestamp,
        BoundedWindow window, OutputReceiver<KV<Integer, String>> out) {
      out.output(KV.of(bucket.getKey(), timestamp + " " + window));
    }
  }

  /** Writes {@code count} rows, one id twice, in two files of row groups of about 100 rows. */
  private List<Prediction> writeRows(int count) throws IOException {
    List<Prediction> rows = new ArrayList<>();
    for (int f = 0; f < 2; f++) {
      List<Map<String, Object>> fileRows = new ArrayList<>();
      for (int i = 0; i < count / 2; i++) {
        String id = f == 1 && i == 0 ? "id-0-7" : "id-" + f + "-" + i;
        fileRows.add(row(id, i / 1000.0, f));
        rows.add(new Prediction(id, new double[] {i / 1000.0, f}));
      }
      write(dir.resolve("part-" + f + ".parquet"), predictionSchema(2), fileRows, 1024);
    }
    return rows;
  }

  /** The splits read as a run reads them, packed for {@code group}. */
  private ReadSplits<KV<Integer, List<Prediction>>> read(GroupIntoBuckets group) throws IOException {
    ParquetInput input = ParquetInput.describe(dir.toString());
    assertTrue(input.splits().size() >= 10, "row groups: " + input.splits().size());
    return ReadSplits.of(input, group.packing())
        .withFormat(MessageFormat.of(input.schema()))
        .withMaxMessageBytes(1_000_000)
        .withDeadLetterDir(dir.resolve("dead").toString());
  }

  private PCollection<KV<Integer, List<String>>> idsPerBucket(GroupIntoBuckets group) throws IOException {
    return pipeline
        .apply(read(group))
        .apply(group)
        .apply(MapElements.into(TypeDescriptors.kvs(TypeDescriptors.integers(),
                TypeDescriptors.lists(TypeDescriptors.strings())))
            .via(bucket -> KV.of(bucket.getKey(), sortedIds(bucket.getValue()))));
  }

  private static List<String> sortedIds(Iterable<Prediction> bucket) {
    return StreamSupport.stream(bucket.spliterator(), false)
        .map(p -> p.id() + "=" + p.values()[0] + "," + p.values()[1])
        .sorted()
        .toList();
  }

  /** The buckets as hashing each row by itself gives them, leaving out {@code skipped}. */
  private static List<KV<Integer, List<String>>> expectedBuckets(
      List<Prediction> rows, int buckets, List<Integer> skipped) {
    Map<Integer, List<Prediction>> byBucket = new TreeMap<>();
    for (Prediction row : rows) {
      int bucket = GroupIntoBuckets.bucketOf(row.id(), buckets);
      if (!skipped.contains(bucket)) {
        byBucket.computeIfAbsent(bucket, b -> new ArrayList<>()).add(row);
      }
    }
    return byBucket.entrySet().stream()
        .map(e -> KV.of(e.getKey(), sortedIds(e.getValue())))
        .toList();
  }
}
