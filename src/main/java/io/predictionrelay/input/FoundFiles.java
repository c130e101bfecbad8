package io.predictionrelay.input;

import java.util.List;
import java.util.Map;

/**
 * What finding an input's files yields, whether {@code TableFiles} lists plain Parquet or a
 * {@code TableSnapshot} reads a table's log or metadata: kept apart from both, so that neither
 * needs the other back.
 */
final class FoundFiles {
  private FoundFiles() {}

  /**
   * A data file, its size, its partition values (raw text; null for Hive's default partition), its
   * row count as the table's metadata gives it (-1: the footer is all there is), and the positions
   * of its rows that the snapshot deletes (Delta deletion vectors, Iceberg delete files), ascending;
   * or, where only some rows are read ({@code selected}, not null), the positions of those rows.
   */
  record TableFile(String path, long size, List<String> partitionValues, long metadataRows, long modifiedMillis,
      long[] deleted, long[] selected) {
    static final long[] NONE = new long[0];

    TableFile(String path, long size, List<String> partitionValues, long metadataRows, long modifiedMillis) {
      this(path, size, partitionValues, metadataRows, modifiedMillis, NONE);
    }

    TableFile(String path, long size, List<String> partitionValues, long metadataRows, long modifiedMillis,
        long[] deleted) {
      this(path, size, partitionValues, metadataRows, modifiedMillis, deleted, null);
    }

    /** This file with only the rows at {@code positions} (ascending) read: none deleted, the others left out. */
    TableFile selecting(long[] positions) {
      return new TableFile(path, size, partitionValues, metadataRows, modifiedMillis, NONE, positions);
    }
  }

  /**
   * The files of an input, in path order, the names of its partition columns, their types where
   * the table's schema gives them (Delta; others are inferred from their values), which snapshot
   * of which table they are (null for plain Parquet), and the table's columns and how each file
   * holds them.
   */
  record Found(List<String> partitionColumns, Map<String, ExtraColumn.Kind> partitionKinds, List<TableFile> files,
      TableSnapshot table, TableSchema schema) {
    /** The snapshot in one phrase, {@code Delta table t version 3}; empty for plain Parquet. */
    String snapshot() {
      return table == null ? "" : table.describe();
    }
  }

  /** The first line of an exception's message, for a one-line {@code LaunchException}. */
  static String firstLine(Throwable e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** A file's path in the form the input was given in: local inputs get local paths back, not file: URIs. */
  static String asGiven(String spec, String path) {
    if (!path.startsWith("file:") || spec.startsWith("file:")) {
      return path;
    }
    return new org.apache.hadoop.fs.Path(path).toUri().getPath();
  }

  /** {@code files} sorted by path, the order of an input's files. */
  static List<TableFile> byPath(List<TableFile> files) {
    files.sort(java.util.Comparator.comparing(TableFile::path));
    return files;
  }
}
