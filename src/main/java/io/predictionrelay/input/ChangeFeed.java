package io.predictionrelay.input;

import io.predictionrelay.input.DeltaChangeFeed.ChangeFile;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an incremental run over a Delta table with its change data feed on reads instead of
 * comparing files by id: the splits of the commits' change data files (and of the added and
 * removed files of commits without them), numbered after the input's splits, each with its commit
 * version and what its rows are ({@link Origins}). No file of the snapshot now is read, nor the
 * files a commit with change data files rewrote, nor those of commits that change no data.
 */
public final class ChangeFeed implements Serializable {
  /** Where a split's rows come from, and so what they are. */
  public enum Source {
    /** A {@code _change_data} file: each row says what it is in its {@code _change_type} column. */
    CHANGE_DATA,
    /** A file a commit without change data files added: its live rows are inserted. */
    ADDED,
    /** A file a commit without change data files removed: its rows live until then are deleted. */
    REMOVED
  }

  /** The commit version and source of each split of the feed, by split index: what reading it needs. */
  public record Origins(int firstSplit, long[] versions, Source[] sources) implements Serializable {
    public long version(int split) {
      return versions[split - firstSplit];
    }

    public Source source(int split) {
      return sources[split - firstSplit];
    }
  }

  private final long fromVersion;
  private final long toVersion;
  private final List<InputSplit> splits;
  private final Origins origins;
  private final Map<Source, Integer> files;
  private final Map<Source, Long> rows;
  private final int commitsWithoutDataChange;
  private final int filesNotRead;

  private ChangeFeed(long fromVersion, long toVersion, List<InputSplit> splits, Origins origins,
      Map<Source, Integer> files, Map<Source, Long> rows, int commitsWithoutDataChange, int filesNotRead) {
    this.fromVersion = fromVersion;
    this.toVersion = toVersion;
    this.splits = List.copyOf(splits);
    this.origins = origins;
    this.files = files;
    this.rows = rows;
    this.commitsWithoutDataChange = commitsWithoutDataChange;
    this.filesNotRead = filesNotRead;
  }

  /**
   * Plans the reading of {@code commits} (after version {@code base} up to {@code now}) with the
   * input's columns: their footers are read, as the input's were.
   *
   * @throws io.predictionrelay.options.LaunchException when a file cannot be read (vacuumed)
   */
  static ChangeFeed plan(DeltaChangeFeed.Commits commits, ParquetInput input, long base, long now) {
    int first = input.splits().size();
    List<InputSplit> splits = new ArrayList<>();
    List<Long> versions = new ArrayList<>();
    List<Source> sources = new ArrayList<>();
    Map<Source, Integer> files = new EnumMap<>(Source.class);
    Map<Source, Long> rows = new EnumMap<>(Source.class);
    for (Source source : Source.values()) {
      files.put(source, 0);
      rows.put(source, 0L);
    }
    for (ChangeFile file : commits.files()) {
      List<InputSplit> planned = input.splitsOf(List.of(file.file()), file.source() == Source.CHANGE_DATA,
          first + splits.size());
      for (InputSplit split : planned) {
        splits.add(split);
        versions.add(file.version());
        sources.add(file.source());
        rows.merge(file.source(), split.liveRows(), Long::sum);
      }
      files.merge(file.source(), 1, Integer::sum);
    }
    Origins origins = new Origins(first, versions.stream().mapToLong(Long::longValue).toArray(),
        sources.toArray(Source[]::new));
    return new ChangeFeed(base, now, splits, origins, files, rows, commits.commitsWithoutDataChange(),
        commits.filesNotRead());
  }

  /** The splits to read, numbered after the input's, in commit order. */
  public List<InputSplit> splits() {
    return splits;
  }

  public Origins origins() {
    return origins;
  }

  /** Files of the feed read from {@code source}. */
  public int files(Source source) {
    return files.get(source);
  }

  /** Live rows of the files read from {@code source}. */
  public long rows(Source source) {
    return rows.get(source);
  }

  /** Every row read from the feed. */
  public long rows() {
    return rows.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Commits after the base, read or not. */
  public long commits() {
    return toVersion - fromVersion;
  }

  /** Commits that changed no data (OPTIMIZE, compaction, table properties): not read. */
  public int commitsWithoutDataChange() {
    return commitsWithoutDataChange;
  }

  /** Data files the commits added or removed that were not read (change data files told their changes, or no data changed). */
  public int filesNotRead() {
    return filesNotRead;
  }

  /** The counts, as the report and the completed record carry them. */
  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("commits", commits());
    for (Source source : Source.values()) {
      String name = source.name().toLowerCase(Locale.ROOT).replace("_d", "D");
      map.put(name + "Files", files(source));
      map.put(name + "Rows", rows(source));
    }
    map.put("commitsWithoutDataChange", commitsWithoutDataChange);
    map.put("dataFilesNotRead", filesNotRead);
    return map;
  }
}
