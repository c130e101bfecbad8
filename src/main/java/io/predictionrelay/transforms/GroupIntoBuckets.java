package io.predictionrelay.transforms;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.SplitReader;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.model.RunMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.vendor.guava.v32_1_2_jre.com.google.common.collect.Iterables;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * Groups the predictions by bucket: MurmurHash3 (x64, 128-bit, first half) of the UTF-8 bytes of
 * {@code id_client}, modulo the bucket count. The same id lands in the same bucket in every JVM,
 * runner and run, with no global ordering and no extra pass.
 *
 * <p>Two halves: {@link #packing()} is what {@link ReadSplits} does with the rows as it reads them,
 * and this transform groups what the read gives it. The rows of one bucket that one bundle reads are
 * packed into one block as they are read, before the {@link GroupByKey}: no element per row is ever
 * made, and the shuffle handles a block per bucket per bundle. Every per-element cost of a runner
 * (its windowed value, the coder call, on Spark the map-side combine and the size sampling of its
 * maps, the cached grouped partition) is paid per block. The blocks of a bucket are concatenated
 * after the grouping: what comes out is exactly what a {@code GroupByKey} of the rows would give
 * (docs/benchmarks.md has the figures). A bundle holds at most {@link #withMaxBufferedRows} rows
 * before it sends its blocks on.
 *
 * <p>The grouping runs in {@link SortedGroupingWindows}, the global window under another name, and
 * its output is put back in {@code GlobalWindows}: on Beam's Spark runner that makes the grouping a
 * sort that streams each bucket's blocks instead of a cached {@code combineByKey}, so the memory a
 * task needs follows one bucket (what {@link BatchIntoMessages} sorts anyway), not the input.
 *
 * <p>The bucketing counterpart of {@link BatchInSplits}, which cuts messages as it reads.
 */
public final class GroupIntoBuckets extends PTransform<
    PCollection<KV<Integer, List<Prediction>>>, PCollection<KV<Integer, Iterable<Prediction>>>> {
  /** About 40 MB of rows of 30 doubles: enough for blocks of tens of rows at 5,000 buckets. */
  static final int DEFAULT_MAX_BUFFERED_ROWS = 100_000;

  private final int buckets;
  private final int[] skippedBuckets;
  private final int maxBufferedRows;

  private GroupIntoBuckets(int buckets, int[] skippedBuckets, int maxBufferedRows) {
    this.buckets = buckets;
    this.skippedBuckets = skippedBuckets;
    this.maxBufferedRows = maxBufferedRows;
  }

  /** Groups into {@code buckets} buckets. */
  public static GroupIntoBuckets of(int buckets) {
    if (buckets <= 0) {
      throw new IllegalArgumentException("numBuckets must be positive, got " + buckets);
    }
    return new GroupIntoBuckets(buckets, new int[0], DEFAULT_MAX_BUFFERED_ROWS);
  }

  /**
   * For a resumed run: drops the rows of buckets that the run's earlier attempts delivered whole,
   * before the shuffle, and counts them once per split ({@link RunMetrics#PREDICTIONS_SKIPPED}). The same input gives
   * the same buckets, so what is dropped is exactly what is already on the topic.
   */
  public GroupIntoBuckets skipping(int[] completeBuckets) {
    int[] sorted = completeBuckets.clone();
    Arrays.sort(sorted);
    return new GroupIntoBuckets(buckets, sorted, maxBufferedRows);
  }

  /** At most this many rows wait in a bundle's blocks before they are sent to the grouping. */
  public GroupIntoBuckets withMaxBufferedRows(int maxBufferedRows) {
    if (maxBufferedRows <= 0) {
      throw new IllegalArgumentException("maxBufferedRows must be positive, got " + maxBufferedRows);
    }
    return new GroupIntoBuckets(buckets, skippedBuckets, maxBufferedRows);
  }

  /** What {@link ReadSplits} does with the rows for this grouping: packs them into blocks per bucket. */
  public ReadSplits.Rows<KV<Integer, List<Prediction>>> packing() {
    return new PackBuckets(buckets, skippedBuckets, maxBufferedRows);
  }

  /** G = ceil(totalRows / rowsPerBucket), at least 1 and at most {@link Integer#MAX_VALUE}. */
  public static int bucketsFor(long totalRows, long rowsPerBucket) {
    if (rowsPerBucket <= 0) {
      throw new IllegalArgumentException("rowsPerBucket must be positive, got " + rowsPerBucket);
    }
    long buckets = (totalRows + rowsPerBucket - 1) / rowsPerBucket;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, buckets));
  }

  /** The bucket of one id. */
  public static int bucketOf(String id, int buckets) {
    byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
    long hash = MurmurHash3.hash128x64(bytes, 0, bytes.length, 0)[0];
    return (int) Math.floorMod(hash, (long) buckets);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("buckets", buckets).withLabel("Buckets (G)"))
        .add(DisplayData.item("skippedBuckets", skippedBuckets.length).withLabel("Buckets skipped (resumed)"))
        .add(DisplayData.item("maxBufferedRows", maxBufferedRows).withLabel("Rows buffered per bundle"));
  }

  @Override
  public PCollection<KV<Integer, Iterable<Prediction>>> expand(
      PCollection<KV<Integer, List<Prediction>>> blocks) {
    // In SortedGroupingWindows, only for the grouping: Beam 2.62's Spark runner groups the global
    // window with a combineByKey it caches (every grouped partition held on the heap to the end of
    // the job), any other non-merging window by sorting, streamed and never cached. The window is
    // the global one under another name: same groups, same timestamps, same messages. Peak RSS in
    // -Xmx2g: 1,425 MB instead of 2,172 at 5M rows, 1,676 instead of 2,387 at 20M (docs/benchmarks.md,
    // Round four, with its CPU question).
    return blocks
        .apply("WindowForSortedGrouping", Window.into(new SortedGroupingWindows()))
        .apply("GroupBlocks", GroupByKey.create())
        .apply("BackToGlobalWindows", Window.into(new GlobalWindows()))
        .apply("ConcatBlocks", ParDo.of(new ConcatFn()))
        .setCoder(KvCoder.of(VarIntCoder.of(), IterableCoder.of(PredictionCoder.of())));
  }

  /** The rows of the splits packed per bucket, as {@link ReadSplits} reads them. */
  private record PackBuckets(int buckets, int[] skippedBuckets, int maxBufferedRows)
      implements ReadSplits.Rows<KV<Integer, List<Prediction>>> {
    @Override
    public String stepName() {
      return "PackBuckets";
    }

    @Override
    public ReadSplitsFn<KV<Integer, List<Prediction>>> readingWith(SplitReader reader) {
      return new PackBucketsFn(reader, buckets, skippedBuckets, maxBufferedRows);
    }

    @Override
    public Coder<KV<Integer, List<Prediction>>> coder() {
      return KvCoder.of(VarIntCoder.of(), ListCoder.of(PredictionCoder.of()));
    }
  }

  /**
   * Reads splits, keys each row by its bucket and packs a bundle's rows of one bucket into one block.
   * Blocks are sent on when {@code maxBufferedRows} rows wait, and when the bundle ends.
   */
  static final class PackBucketsFn extends ReadSplitsFn<KV<Integer, List<Prediction>>> {
    private final int buckets;
    private final int[] skippedBuckets;
    private final int maxBufferedRows;
    private transient BucketBlocks<Prediction> blocks;

    PackBucketsFn(SplitReader reader, int buckets, int[] skippedBuckets, int maxBufferedRows) {
      super(reader);
      this.buckets = buckets;
      this.skippedBuckets = skippedBuckets;
      this.maxBufferedRows = maxBufferedRows;
    }

    @Override
    protected void startRows() {
      blocks = new BucketBlocks<>(maxBufferedRows);
    }

    @Override
    protected void processSplit(InputSplit split, OutputReceiver<KV<Integer, List<Prediction>>> out)
        throws IOException {
      long[] skipped = {0};
      readRows(split, prediction -> {
        int bucket = bucketOf(prediction.id(), buckets);
        if (Arrays.binarySearch(skippedBuckets, bucket) >= 0) {
          skipped[0]++;
          return;
        }
        blocks.add(bucket, prediction, out);
      });
      if (skippedBuckets.length > 0) {
        // A fact of the split, as its rows read are: a re-run of the split does not count them again.
        RunMetrics.splitFact(RunMetrics.PREDICTIONS_SKIPPED, split.index()).set(skipped[0]);
      }
    }

    @Override
    protected void finishRows(FinishBundleContext context) {
      blocks.finish(context);
    }
  }

  /**
   * One bucket's blocks as one iterable of its rows. On the Spark runner's sorted grouping the
   * blocks are decoded as they are read and can be read once: {@link BatchIntoMessages} reads them
   * once, into the list it sorts.
   */
  static final class ConcatFn
      extends DoFn<KV<Integer, Iterable<List<Prediction>>>, KV<Integer, Iterable<Prediction>>> {
    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<List<Prediction>>> bucket,
        OutputReceiver<KV<Integer, Iterable<Prediction>>> out) {
      out.output(KV.of(bucket.getKey(), Iterables.concat(bucket.getValue())));
    }
  }
}
