package io.predictionrelay.input;

import io.predictionrelay.input.ParquetInput.FileStamp;
import io.predictionrelay.options.LaunchException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What changed between the snapshot a run published ({@link Published}) and the input now, file by
 * file, so that an incremental run reads only what may have changed. A file is unchanged when it is
 * in both with the same deletes (Delta, Iceberg: data files are never rewritten in place) or the same
 * size and modification time (plain Parquet): its row groups are not read. A file only in the input
 * now is added: its live rows are candidates. A file only in the base (a Delta or Iceberg file
 * rewritten, or given deletes: deletion vectors, delete files) is removed: its rows at the base
 * snapshot are read again, by time travel, to be compared by id with the added files' rows
 * ({@link #baseSplits}). A plain file replaced in place is added whole (its old content is gone);
 * a plain file removed is only counted (its ids cannot be known).
 *
 * <p>A Delta table whose change data feed was on for every commit since the base is not compared
 * by files: its commits say what changed ({@link ChangeFeed}), and only their change data files
 * (or, for commits without, their added and removed files) are read. No file of the snapshot now is.
 */
public final class SnapshotChanges {
  private final Published base;
  private final Published now;
  private final int[] unchangedSplits;
  private final List<InputSplit> baseSplits;
  private final int filesUnchanged;
  private final int rowGroupsUnchanged;
  private final long rowsUnchanged;
  private final List<String> filesAdded;
  private final List<String> filesRemoved;
  private final List<String> filesReplacedInPlace;
  private final long rowsToRead;
  private final long baseRowsToCompare;
  private final ChangeFeed changeFeed;
  private final String changeFeedUnavailable;

  private SnapshotChanges(Published base, Published now, int[] unchangedSplits, List<InputSplit> baseSplits,
      int filesUnchanged, int rowGroupsUnchanged, long rowsUnchanged, List<String> filesAdded,
      List<String> filesRemoved, List<String> filesReplacedInPlace, long rowsToRead, long baseRowsToCompare,
      ChangeFeed changeFeed, String changeFeedUnavailable) {
    this.base = base;
    this.now = now;
    this.unchangedSplits = unchangedSplits;
    this.baseSplits = List.copyOf(baseSplits);
    this.filesUnchanged = filesUnchanged;
    this.rowGroupsUnchanged = rowGroupsUnchanged;
    this.rowsUnchanged = rowsUnchanged;
    this.filesAdded = List.copyOf(filesAdded);
    this.filesRemoved = List.copyOf(filesRemoved);
    this.filesReplacedInPlace = List.copyOf(filesReplacedInPlace);
    this.rowsToRead = rowsToRead;
    this.baseRowsToCompare = baseRowsToCompare;
    this.changeFeed = changeFeed;
    this.changeFeedUnavailable = changeFeedUnavailable;
  }

  /** These changes, read from the change data feed instead. */
  private SnapshotChanges withChangeFeed(ChangeFeed feed) {
    return new SnapshotChanges(base, now, unchangedSplits, baseSplits, filesUnchanged, rowGroupsUnchanged,
        rowsUnchanged, filesAdded, filesRemoved, filesReplacedInPlace, rowsToRead, baseRowsToCompare, feed, null);
  }

  /** These changes, compared by files because the change data feed could not tell them. */
  private SnapshotChanges withChangeFeedUnavailable(String why) {
    return new SnapshotChanges(base, now, unchangedSplits, baseSplits, filesUnchanged, rowGroupsUnchanged,
        rowsUnchanged, filesAdded, filesRemoved, filesReplacedInPlace, rowsToRead, baseRowsToCompare, null, why);
  }

  /**
   * The changes from {@code base} to {@code input}. For a Delta or Iceberg table, the base snapshot
   * is listed again (its footers read) to find its files and the rows its removed files held.
   *
   * @param what names the base in a refusal, e.g. {@code --changesSince=last (run 2026…)}
   */
  public static SnapshotChanges between(Published base, ParquetInput input, TableColumns columns, String what) {
    Published now = Published.of(input);
    if (base.format() != now.format() || !base.table().equals(now.table())) {
      throw new LaunchException(what + " published " + base.format().name().toLowerCase(java.util.Locale.ROOT)
          + " input " + base.table() + ", the input now is " + now.format().name().toLowerCase(java.util.Locale.ROOT)
          + " " + now.table());
    }
    return base.format() == Published.Format.FILES ? betweenFiles(base, now, input)
        : betweenSnapshots(base, now, input, columns, what);
  }

  private static SnapshotChanges betweenFiles(Published base, Published now, ParquetInput input) {
    Map<String, FileStamp> before = new HashMap<>();
    base.files().forEach(f -> before.put(f.path(), f));
    Set<String> unchanged = new HashSet<>();
    List<String> added = new ArrayList<>();
    List<String> replaced = new ArrayList<>();
    for (FileStamp file : input.fileStamps()) {
      FileStamp old = before.get(file.path());
      if (file.equals(old)) {
        unchanged.add(file.path());
      } else {
        added.add(file.path());
        if (old != null) {
          replaced.add(file.path());
        }
      }
    }
    Set<String> current = new HashSet<>(input.files());
    List<String> removed = base.files().stream().map(FileStamp::path).filter(p -> !current.contains(p)).toList();
    return of(base, now, input, unchanged, added, removed, replaced, List.of());
  }

  private static SnapshotChanges betweenSnapshots(Published base, Published now, ParquetInput input,
      TableColumns columns, String what) {
    if (base.version() == now.version()) {
      Set<String> all = new HashSet<>(input.files());
      return of(base, now, input, all, List.of(), List.of(), List.of(), List.of());
    }
    String unavailable = null;
    if (base.format() == Published.Format.DELTA) {
      DeltaSnapshot table = (DeltaSnapshot) input.table().orElseThrow();
      DeltaChangeFeed.Commits commits = DeltaChangeFeed.read(base.table(), base.version(), now.version(),
          table.partitionColumns(), table.schema());
      unavailable = commits.unavailable();
      if (unavailable == null) {
        try {
          ChangeFeed feed = ChangeFeed.plan(commits, input, base.version(), now.version());
          // Nothing of the snapshot now is read: the feed's files say what changed.
          return of(base, now, input, new HashSet<>(input.files()), List.of(), List.of(), List.of(), List.of())
              .withChangeFeed(feed);
        } catch (LaunchException e) {
          unavailable = "a file of its commits cannot be read (vacuumed?): " + e.getMessage();
        }
      }
    }
    SnapshotChanges byFiles = comparingFiles(base, now, input, columns, what);
    return unavailable == null ? byFiles : byFiles.withChangeFeedUnavailable(unavailable);
  }

  /** The changes of a Delta or Iceberg table, file by file: the removed files at the base are compared by id. */
  private static SnapshotChanges comparingFiles(Published base, Published now, ParquetInput input,
      TableColumns columns, String what) {
    String snapshot = base.format() == Published.Format.DELTA ? "Delta version " + base.version()
        : "Iceberg snapshot " + base.version();
    ParquetInput before;
    try {
      before = ParquetInput.describe(base.table(), columns, new TableSnapshot.At(base.version(), null));
    } catch (LaunchException e) {
      throw new LaunchException(what + ": its " + snapshot + " cannot be read again (vacuumed or expired?): "
          + e.getMessage() + "; run in full instead", e);
    }
    if (!before.schema().equals(input.schema()) || !before.extraColumns().equals(input.extraColumns())) {
      throw new LaunchException(what + ": the published columns changed since its " + snapshot + " ("
          + before.schema() + ", now " + input.schema() + "): run in full instead");
    }
    Set<String> unchanged = new HashSet<>();
    List<String> added = new ArrayList<>();
    Set<String> beforeFiles = new HashSet<>(before.files());
    for (String file : input.files()) {
      if (beforeFiles.contains(file) && Arrays.equals(before.deleted(file), input.deleted(file))) {
        unchanged.add(file);
      } else {
        added.add(file);
      }
    }
    List<String> removed = before.files().stream().filter(f -> !unchanged.contains(f)).toList();
    Set<String> removedSet = new HashSet<>(removed);
    List<InputSplit> baseSplits = new ArrayList<>();
    int index = input.splits().size(); // numbered after the input's splits: each split is counted once by its number
    for (InputSplit split : before.splits()) {
      if (removedSet.contains(split.file())) {
        baseSplits.add(new InputSplit(index++, split.file(), split.fileSize(), split.start(), split.end(),
            split.firstRow(), split.rows(), split.partitionValues(), split.columns(), split.deleted()));
      }
    }
    return of(base, now, input, unchanged, added, removed, List.of(), baseSplits);
  }

  private static SnapshotChanges of(Published base, Published now, ParquetInput input, Set<String> unchanged,
      List<String> added, List<String> removed, List<String> replaced, List<InputSplit> baseSplits) {
    List<Integer> skipped = new ArrayList<>();
    long rowsUnchanged = 0;
    long rowsToRead = 0;
    for (InputSplit split : input.splits()) {
      if (unchanged.contains(split.file())) {
        skipped.add(split.index());
        rowsUnchanged += split.liveRows();
      } else {
        rowsToRead += split.liveRows();
      }
    }
    long baseRows = baseSplits.stream().mapToLong(InputSplit::liveRows).sum();
    return new SnapshotChanges(base, now, skipped.stream().mapToInt(Integer::intValue).toArray(), baseSplits,
        unchanged.size(), skipped.size(), rowsUnchanged, added, removed, replaced, rowsToRead, baseRows, null, null);
  }

  /** What the base run published. */
  public Published base() {
    return base;
  }

  /** What this run publishes (the input now). */
  public Published now() {
    return now;
  }

  /** The input's splits (by index) of unchanged files: not read. Sorted. */
  public int[] unchangedSplits() {
    return unchangedSplits.clone();
  }

  /**
   * The rows of the removed files as the base snapshot held them, to compare by id with the added
   * files' rows; numbered after the input's splits. Empty for pure additions and plain files.
   */
  public List<InputSplit> baseSplits() {
    return baseSplits;
  }

  /** Whether rows must be compared by id: some file was rewritten or given deletes since the base. */
  public boolean comparesById() {
    return !baseSplits.isEmpty();
  }

  /** The commits' change data to read instead of comparing files, when the Delta table's feed tells the changes. */
  public Optional<ChangeFeed> changeFeed() {
    return Optional.ofNullable(changeFeed);
  }

  /** Why a Delta table's changes were compared by files, not read from its change data feed; null otherwise. */
  public String changeFeedUnavailable() {
    return changeFeedUnavailable;
  }

  /** How the changes are found, in a few words, for the summary and the report. */
  public String method() {
    return changeFeed != null ? "change data feed" : comparesById() ? "files compared by id" : "files added";
  }

  /** Rows that may be published: the added files' live rows, or every row of the change data feed. */
  public long candidateRows() {
    return rowsToRead + (changeFeed == null ? 0 : changeFeed.rows());
  }

  /** Rows read besides the input's splits: the base's rewritten files, or the change data feed's files. */
  public long rowsReadBesidesInput() {
    return baseRowsToCompare + (changeFeed == null ? 0 : changeFeed.rows());
  }

  public int filesUnchanged() {
    return filesUnchanged;
  }

  public int rowGroupsUnchanged() {
    return rowGroupsUnchanged;
  }

  /** Live rows of the unchanged files: not read, not published. */
  public long rowsUnchanged() {
    return rowsUnchanged;
  }

  public List<String> filesAdded() {
    return filesAdded;
  }

  public List<String> filesRemoved() {
    return filesRemoved;
  }

  /** Plain files whose size or modification time changed: published whole, their old rows unknown. */
  public List<String> filesReplacedInPlace() {
    return filesReplacedInPlace;
  }

  /** Plain files gone since the base: their ids cannot be listed as deleted (their content is gone). */
  public List<String> plainFilesRemoved() {
    return base.format() == Published.Format.FILES ? filesRemoved : List.of();
  }

  /** Live rows of the added files: read, and published unless compared equal (none with the change data feed). */
  public long rowsToRead() {
    return rowsToRead;
  }

  /** Rows of the removed files at the base snapshot: read to compare, never published. */
  public long baseRowsToCompare() {
    return baseRowsToCompare;
  }

  /**
   * Names these changes: a digest of the base and the snapshot now, and whether they were read from
   * the change data feed (the two ways may publish other rows: an id changed and changed back is
   * published by the feed only). The run's fingerprint holds it, and its message keys the
   * fingerprint, so that the same incremental run sends the same keys, and another one other keys.
   */
  public String token() {
    return Published.sha256(base.digest() + " " + now.digest() + (changeFeed == null ? "" : " change data feed"))
        .substring(0, 12);
  }

  /** The counts, as the report and the completed record carry them. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("from", base.describe());
    map.put("to", now.describe());
    map.put("filesUnchanged", filesUnchanged);
    map.put("rowGroupsUnchanged", rowGroupsUnchanged);
    map.put("rowsUnchanged", rowsUnchanged);
    map.put("filesAdded", filesAdded.size());
    map.put("filesRemoved", filesRemoved.size());
    map.put("filesReplacedInPlace", filesReplacedInPlace.size());
    map.put("rowsToRead", rowsToRead);
    map.put("baseRowsToCompare", baseRowsToCompare);
    map.put("comparesById", comparesById());
    map.put("method", method());
    if (changeFeed != null) {
      map.put("changeFeed", changeFeed.toMap());
    }
    if (changeFeedUnavailable != null) {
      map.put("changeFeedUnavailable", changeFeedUnavailable);
    }
    return map;
  }
}
