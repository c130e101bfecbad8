package io.predictionrelay.input;

import io.predictionrelay.input.ExtraColumn.Kind;
import io.predictionrelay.input.FoundFiles.TableFile;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.TableOptions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * The data files of a Delta Lake or Iceberg table's snapshot, as the table's own log or metadata
 * lists them ({@code DeltaSnapshot}, {@code IcebergSnapshot}; {@code TableFormat} tells which an
 * input is). A table's directory also holds files that are no longer part of it (removed,
 * overwritten, compacted): listing the directory, as {@code TableFiles} does for plain Parquet,
 * would publish rows the table does not have. A snapshot is just the exact list of files with their
 * partition values and the positions of their rows it deletes, so the rest of the input is read as
 * any other Parquet.
 *
 * <p>The snapshot's schema is the table's ({@link TableSchema}): its columns, their types, and how
 * each file holds them, so that renamed, dropped, re-added and added columns are read as the
 * table's engine reads them. What cannot be read exactly is refused with one line naming the table
 * and the feature.
 */
public interface TableSnapshot {
  /** Which snapshot: the latest, a version (Delta) or snapshot id (Iceberg), or the one current at a time. */
  record At(Long version, Long timestampMillis) {
    public static final At LATEST = new At(null, null);

    /**
     * The snapshot {@code --tableVersion} or {@code --tableTimestamp} names.
     *
     * @throws LaunchException naming the option, when both are given or the timestamp is neither
     *     epoch milliseconds nor an ISO-8601 instant
     */
    public static At of(TableOptions options) {
      Long version = options.getTableVersion();
      String timestamp = options.getTableTimestamp();
      if (timestamp == null || timestamp.isBlank()) {
        return new At(version, null);
      }
      if (version != null) {
        throw new LaunchException("--tableVersion and --tableTimestamp: give one, not both");
      }
      String text = timestamp.trim();
      try {
        return new At(null, text.matches("\\d+") ? Long.parseLong(text) : Instant.parse(text).toEpochMilli());
      } catch (DateTimeParseException | NumberFormatException e) {
        throw new LaunchException("--tableTimestamp=" + timestamp
            + ": expected epoch milliseconds or an ISO-8601 instant, e.g. 2026-11-18T10:00:00Z");
      }
    }

    boolean latest() {
      return version == null && timestampMillis == null;
    }

    @Override
    public String toString() {
      return version != null ? "--tableVersion=" + version : "--tableTimestamp=" + timestampMillis;
    }
  }

  /** The table as the user named it: {@code s3://bucket/t}. */
  String location();

  /** The table as the user named it, with its format: {@code Delta table s3://bucket/t}. */
  String table();

  /** Which snapshot was read: Delta's version, Iceberg's snapshot id. */
  long version();

  /** Its data files in path order, each with its partition values and the positions of its deleted rows. */
  List<TableFile> files();

  /** The partition columns whose values the files do not hold (Delta's), in the table's order. */
  List<String> partitionColumns();

  /** The partition columns' types, as the table's schema gives them. */
  Map<String, Kind> partitionKinds();

  /** The table's columns and how each file holds them. */
  TableSchema schema();

  /** The table and its snapshot in one phrase: {@code Delta table t version 3}. */
  String describe();
}
