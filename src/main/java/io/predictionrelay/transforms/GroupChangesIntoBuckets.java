package io.predictionrelay.transforms;

import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.model.RunMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The buckets of an incremental run where files were rewritten since its base (or given deletes):
 * only the rows whose id is new or whose values changed.
 *
 * <p>It takes the blocks {@link ReadSplits} packs from the added files' rows ({@link
 * GroupIntoBuckets#packing}), and {@link #comparingWith} the blocks it packs from the rows the
 * removed files held at the base snapshot. An id's bucket depends on the id alone, so its old and
 * new rows meet in one bucket, and one {@link CoGroupByKey} (the one shuffle a full run has anyway)
 * brings them together. Each bucket is then compared id by id: rows equal to the base's are
 * dropped, an id gone is written to a deleted-ids file (one per bundle, under {@link
 * #writingDeletedIdsTo}); nothing of the base is published. The comparison runs in the stage that
 * publishes, so its counts are counted once, as published ones are. Pure additions need none of
 * this: {@link GroupIntoBuckets} groups them.
 */
public final class GroupChangesIntoBuckets extends PTransform<
    PCollection<KV<Integer, List<Prediction>>>, PCollection<KV<Integer, Iterable<Prediction>>>> {
  private static final TupleTag<List<Prediction>> NOW = new TupleTag<>() {};
  private static final TupleTag<List<Prediction>> BEFORE = new TupleTag<>() {};

  private final PCollection<KV<Integer, List<Prediction>>> base;
  private final String deletedIdsDir;

  private GroupChangesIntoBuckets(PCollection<KV<Integer, List<Prediction>>> base, String deletedIdsDir) {
    this.base = base;
    this.deletedIdsDir = deletedIdsDir;
  }

  /**
   * Compares the rows now with these blocks of the base snapshot's rows, packed into the same
   * buckets by the same reader.
   */
  public static GroupChangesIntoBuckets comparingWith(PCollection<KV<Integer, List<Prediction>>> base) {
    if (base == null) {
      throw new IllegalArgumentException("the base snapshot's blocks must be given");
    }
    return new GroupChangesIntoBuckets(base, null);
  }

  /** Where the ids found deleted go: text files, one id a line, one file per bundle that found any. */
  public GroupChangesIntoBuckets writingDeletedIdsTo(String directory) {
    if (directory == null || directory.isBlank()) {
      throw new IllegalArgumentException("the deleted ids' directory must not be empty");
    }
    return new GroupChangesIntoBuckets(base, directory);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.addIfNotNull(DisplayData.item("deletedIdsDir", deletedIdsDir).withLabel("Deleted ids"));
  }

  @Override
  public PCollection<KV<Integer, Iterable<Prediction>>> expand(PCollection<KV<Integer, List<Prediction>>> now) {
    if (deletedIdsDir == null) {
      throw new IllegalStateException("GroupChangesIntoBuckets needs writingDeletedIdsTo");
    }
    return KeyedPCollectionTuple.of(NOW, now).and(BEFORE, base)
        .apply("GroupWithBase", CoGroupByKey.create())
        .apply("CompareById", ParDo.of(new CompareByIdFn(deletedIdsDir)))
        .setCoder(KvCoder.of(VarIntCoder.of(), IterableCoder.of(PredictionCoder.of())));
  }

  /**
   * Compares a bucket's rows now with its rows at the base snapshot, id by id: an id whose rows are
   * all equal to its base rows is unchanged (dropped); an id new or changed has all its rows now
   * passed on; an id with base rows and none now is deleted (written to a file, never published).
   */
  static final class CompareByIdFn extends DoFn<KV<Integer, CoGbkResult>, KV<Integer, Iterable<Prediction>>> {
    private final Counter unchanged = RunMetrics.counter(RunMetrics.PREDICTIONS_UNCHANGED);
    private final Counter baseRows = RunMetrics.counter(RunMetrics.BASE_ROWS_COMPARED);
    private final Counter idsNew = RunMetrics.counter(RunMetrics.IDS_NEW);
    private final Counter idsChanged = RunMetrics.counter(RunMetrics.IDS_CHANGED);
    private final Counter idsDeleted = RunMetrics.counter(RunMetrics.IDS_DELETED);
    private final String directory;
    private transient DeletedIds deleted;

    CompareByIdFn(String directory) {
      this.directory = directory;
    }

    @StartBundle
    public void startBundle() {
      deleted = new DeletedIds(directory);
    }

    @ProcessElement
    public void processElement(@Element KV<Integer, CoGbkResult> bucket,
        OutputReceiver<KV<Integer, Iterable<Prediction>>> out) throws IOException {
      List<Prediction> now = rows(bucket.getValue().getAll(NOW));
      List<Prediction> before = rows(bucket.getValue().getAll(BEFORE));
      List<Prediction> publish = new ArrayList<>();
      int i = 0;
      int j = 0;
      while (i < now.size() || j < before.size()) {
        String id = j == before.size() || (i < now.size() && now.get(i).id().compareTo(before.get(j).id()) < 0)
            ? now.get(i).id() : before.get(j).id();
        int nowEnd = end(now, i, id);
        int beforeEnd = end(before, j, id);
        List<Prediction> idNow = now.subList(i, nowEnd);
        List<Prediction> idBefore = before.subList(j, beforeEnd);
        baseRows.inc(idBefore.size());
        if (idBefore.isEmpty()) {
          idsNew.inc();
          publish.addAll(idNow);
        } else if (idNow.isEmpty()) {
          idsDeleted.inc();
          deleted.write(id);
        } else if (idNow.equals(idBefore)) {
          unchanged.inc(idNow.size());
        } else {
          idsChanged.inc();
          publish.addAll(idNow);
        }
        i = nowEnd;
        j = beforeEnd;
      }
      if (!publish.isEmpty()) {
        out.output(KV.of(bucket.getKey(), publish));
      }
    }

    private static List<Prediction> rows(Iterable<List<Prediction>> blocks) {
      List<Prediction> rows = new ArrayList<>();
      blocks.forEach(rows::addAll);
      Collections.sort(rows); // by id, then values: equal multisets of rows give equal lists
      return rows;
    }

    /** The end of the run of rows with {@code id} starting at {@code from}. */
    private static int end(List<Prediction> rows, int from, String id) {
      int end = from;
      while (end < rows.size() && rows.get(end).id().equals(id)) {
        end++;
      }
      return end;
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

  /**
   * The ids a bundle found deleted, as a text file under a directory through Beam's file systems:
   * a hidden temporary file renamed {@code deleted-ids-<uuid>.txt} when the bundle finishes, as dead
   * letters are written, so a failed attempt leaves no visible file (a retried bundle may list an
   * id twice: the list is a set).
   */
  static final class DeletedIds {
    private final ResourceId directory;
    private ResourceId temporary;
    private ResourceId target;
    private OutputStream out;

    DeletedIds(String directory) {
      this.directory = FileSystems.matchNewResource(directory, true);
    }

    void write(String id) throws IOException {
      if (out == null) {
        String name = "deleted-ids-" + UUID.randomUUID() + ".txt";
        target = directory.resolve(name, StandardResolveOptions.RESOLVE_FILE);
        temporary = directory.resolve("." + name + ".tmp", StandardResolveOptions.RESOLVE_FILE);
        out = Channels.newOutputStream(FileSystems.create(temporary, MimeTypes.TEXT));
      }
      out.write(id.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }

    void commit() throws IOException {
      if (out != null) {
        out.close();
        out = null;
        FileSystems.rename(List.of(temporary), List.of(target), StandardMoveOptions.IGNORE_MISSING_FILES);
      }
    }

    void abort() throws IOException {
      if (out != null) {
        out.close();
        out = null;
        FileSystems.delete(List.of(temporary), StandardMoveOptions.IGNORE_MISSING_FILES);
      }
    }
  }
}
