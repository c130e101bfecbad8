package io.predictionrelay.input;

import java.util.List;
import java.util.Map;

/**
 * What finding an input's files yields, whether {@link TableFiles} lists plain Parquet or
 * {@link TableSnapshot} reads a table's log or metadata: kept apart from both, so that neither
 * needs the other back.
 */
final class FoundFiles {
  private FoundFiles() {}

  /**
   * A data file, its size, its partition values (raw text; null for Hive's default partition), and
   * its row count as the table's metadata gives it (-1: the footer is all there is).
   */
  record TableFile(String path, long size, List<String> partitionValues, long metadataRows, long modifiedMillis) {}

  /**
   * The files of an input, in path order, the names of its partition columns, their types where
   * the table's schema gives them (Delta; others are inferred from their values), and which snapshot
   * of which table they are (empty for plain Parquet).
   */
  record Found(List<String> partitionColumns, Map<String, ExtraColumn.Kind> partitionKinds, List<TableFile> files,
      String snapshot) {}

  /** The first line of an exception's message, for a one-line {@code LaunchException}. */
  static String firstLine(Throwable e) {
    String message = String.valueOf(e.getMessage());
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
