package io.predictionrelay.transforms;

import io.predictionrelay.input.ChangeFeed;
import io.predictionrelay.input.ChangeFeed.Source;
import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.SplitReader;
import io.predictionrelay.model.ChangedRow;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.model.RunMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * The buckets of an incremental run read from a Delta table's change data feed: each id's latest
 * change ({@link LatestChanges}), its row published, or the id listed as deleted.
 *
 * <p>Two halves, as {@link GroupIntoBuckets}: {@link #packing()} is what {@link ReadSplits} does
 * with the rows of the feed's splits as it reads them (each row becomes a {@link ChangedRow} with
 * its commit version, update pre-images are left aside, and a bundle's rows of one bucket are
 * packed into one block), and this transform groups the blocks by bucket (the run's one shuffle;
 * an id's bucket depends on the id alone, so all its changes meet) and keeps each id's latest
 * change. Deleted ids are written one per line under {@link #writingDeletedIdsTo}, as {@link
 * GroupChangesIntoBuckets} writes them. What a split's rows are comes from the plan ({@link
 * ChangeFeed.Origins}): a change data file's rows say it in their {@code _change_type}; an added
 * file's rows are inserts, a removed file's deletes.
 */
public final class GroupChangeFeedIntoBuckets extends PTransform<
    PCollection<KV<Integer, List<ChangedRow>>>, PCollection<KV<Integer, Iterable<Prediction>>>> {
  private final int buckets;
  private final ChangeFeed.Origins origins;
  private final String deletedIdsDir;

  private GroupChangeFeedIntoBuckets(int buckets, ChangeFeed.Origins origins, String deletedIdsDir) {
    this.buckets = buckets;
    this.origins = origins;
    this.deletedIdsDir = deletedIdsDir;
  }

  /** Groups the changes of the splits {@code origins} describes into {@code buckets} buckets. */
  public static GroupChangeFeedIntoBuckets of(int buckets, ChangeFeed.Origins origins) {
    if (buckets <= 0) {
      throw new IllegalArgumentException("numBuckets must be positive, got " + buckets);
    }
    if (origins == null) {
      throw new IllegalArgumentException("the origins of the change data feed's splits must be given");
    }
    return new GroupChangeFeedIntoBuckets(buckets, origins, null);
  }

  /** Where the ids found deleted go: text files, one id a line, one file per bundle that found any. */
  public GroupChangeFeedIntoBuckets writingDeletedIdsTo(String directory) {
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("the deleted ids' directory must not be empty");
    }
    return new GroupChangeFeedIntoBuckets(buckets, origins, directory);
  }

  /** What {@link ReadSplits} does with the feed's rows: packs them, as changes, into blocks per bucket. */
  public ReadSplits.Rows<KV<Integer, List<ChangedRow>>> packing() {
    return new PackChanges(buckets, origins, GroupIntoBuckets.DEFAULT_MAX_BUFFERED_ROWS);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("buckets", buckets).withLabel("Buckets (G)"))
        .addIfNotNull(DisplayData.item("deletedIdsDir", deletedIdsDir).withLabel("Deleted ids"));
  }

  @Override
  public PCollection<KV<Integer, Iterable<Prediction>>> expand(PCollection<KV<Integer, List<ChangedRow>>> blocks) {
    if (deletedIdsDir == null) {
      throw new IllegalStateException("GroupChangeFeedIntoBuckets needs writingDeletedIdsTo");
    }
    return blocks
        .apply("GroupChanges", GroupByKey.create())
        .apply("KeepLatest", ParDo.of(new KeepLatestFn(deletedIdsDir)))
        .setCoder(KvCoder.of(VarIntCoder.of(), IterableCoder.of(PredictionCoder.of())));
  }

  /** The feed's rows packed per bucket as changes, as {@link ReadSplits} reads them. */
  private record PackChanges(int buckets, ChangeFeed.Origins origins, int maxBufferedRows)
      implements ReadSplits.Rows<KV<Integer, List<ChangedRow>>> {
    @Override
    public String stepName() {
      return "PackChanges";
    }

    @Override
    public ReadSplitsFn<KV<Integer, List<ChangedRow>>> readingWith(SplitReader reader) {
      return new PackChangesFn(reader, buckets, origins, maxBufferedRows);
    }

    @Override
    public Coder<KV<Integer, List<ChangedRow>>> coder() {
      return KvCoder.of(VarIntCoder.of(), ListCoder.of(ChangedRow.Coder.of()));
    }
  }

  /**
   * Reads splits of the feed, makes each row a change of its commit, and packs a bundle's changes of
   * one bucket into one block. Update pre-images are counted once per split and left aside: they say
   * what an id was, which the consumer holds already.
   */
  static final class PackChangesFn extends ReadSplitsFn<KV<Integer, List<ChangedRow>>> {
    private final int buckets;
    private final ChangeFeed.Origins origins;
    private final int maxBufferedRows;
    private transient BucketBlocks<ChangedRow> blocks;

    PackChangesFn(SplitReader reader, int buckets, ChangeFeed.Origins origins, int maxBufferedRows) {
      super(reader);
      this.buckets = buckets;
      this.origins = origins;
      this.maxBufferedRows = maxBufferedRows;
    }

    @Override
    protected void startRows() {
      blocks = new BucketBlocks<>(maxBufferedRows);
    }

    @Override
    protected void processSplit(InputSplit split, OutputReceiver<KV<Integer, List<ChangedRow>>> out)
        throws IOException {
      long version = origins.version(split.index());
      Source source = origins.source(split.index());
      long[] preimages = {0};
      readChanges(split, (prediction, changeType) -> {
        boolean deletes;
        if (source != Source.CHANGE_DATA) {
          deletes = source == Source.REMOVED;
        } else if ("update_preimage".equals(changeType)) {
          preimages[0]++;
          return;
        } else if ("insert".equals(changeType) || "update_postimage".equals(changeType)) {
          deletes = false;
        } else if ("delete".equals(changeType)) {
          deletes = true;
        } else {
          throw new IllegalStateException(split + ": unknown _change_type " + changeType);
        }
        blocks.add(GroupIntoBuckets.bucketOf(prediction.id(), buckets), new ChangedRow(prediction, version, deletes),
            out);
      });
      if (source == Source.CHANGE_DATA) {
        // A fact of the split, as its rows read are: a re-run of the split does not count them again.
        RunMetrics.splitFact(RunMetrics.UPDATE_PREIMAGES, split.index()).set(preimages[0]);
      }
    }

    @Override
    protected void finishRows(FinishBundleContext context) {
      blocks.finish(context);
    }
  }

  /**
   * Keeps each id's latest change of a bucket ({@link LatestChanges}): its rows go on to be cut into
   * messages, a deleted id to a file. Counted in the stage that publishes, once, as published rows are.
   */
  static final class KeepLatestFn
      extends DoFn<KV<Integer, Iterable<List<ChangedRow>>>, KV<Integer, Iterable<Prediction>>> {
    private final Counter superseded = RunMetrics.counter(RunMetrics.CHANGES_SUPERSEDED);
    private final Counter deleteRows = RunMetrics.counter(RunMetrics.CHANGE_DELETES);
    private final Counter idsDeleted = RunMetrics.counter(RunMetrics.IDS_DELETED);
    private final String directory;
    private transient GroupChangesIntoBuckets.DeletedIds deleted;

    KeepLatestFn(String directory) {
      this.directory = directory;
    }

    @StartBundle
    public void startBundle() {
      deleted = new GroupChangesIntoBuckets.DeletedIds(directory);
    }

    @ProcessElement
    public void processElement(@Element KV<Integer, Iterable<List<ChangedRow>>> bucket,
        OutputReceiver<KV<Integer, Iterable<Prediction>>> out) throws IOException {
      List<ChangedRow> changes = new ArrayList<>();
      bucket.getValue().forEach(changes::addAll);
      LatestChanges.Outcome outcome = LatestChanges.of(changes);
      superseded.inc(outcome.superseded());
      deleteRows.inc(outcome.deleteRows());
      idsDeleted.inc(outcome.deletedIds().size());
      for (String id : outcome.deletedIds()) {
        deleted.write(id);
      }
      if (!outcome.published().isEmpty()) {
        out.output(KV.of(bucket.getKey(), outcome.published()));
      }
    }

    @FinishBundle
    public void finishBundle() throws IOException {
      deleted.commit();
    }

    @Teardown
    public void teardown() throws IOException {
      if (deleted != null) {
        deleted.abort();
      }
    }
  }
}
