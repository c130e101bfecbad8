package io.predictionrelay.input;

import io.predictionrelay.input.TableSnapshot.At;
import io.predictionrelay.options.LaunchException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * What an input names: a Delta table (a directory holding {@code _delta_log/}), an Iceberg table
 * (a Hadoop table's directory, or a metadata file), or neither, and the snapshot of a table.
 */
enum TableFormat {
  DELTA, ICEBERG, ICEBERG_METADATA, NONE;

  /** A Hadoop table's metadata files: v1.metadata.json, v2.metadata.json, ... */
  private static final Pattern HADOOP_METADATA = Pattern.compile("v\\d+\\.metadata\\.json");

  /**
   * The snapshot's files when {@code spec} is a Delta table (a directory holding {@code _delta_log/}),
   * an Iceberg table (a directory holding {@code metadata/*.metadata.json}) or an Iceberg metadata
   * file; empty for anything else.
   */
  static Optional<TableSnapshot> snapshot(String spec, At at) {
    return switch (of(spec)) {
      case DELTA -> Optional.of(DeltaSnapshot.read(spec, at));
      case ICEBERG -> Optional.of(IcebergSnapshot.read(spec, at, false));
      case ICEBERG_METADATA -> Optional.of(IcebergSnapshot.read(spec, at, true));
      case NONE -> Optional.empty();
    };
  }

  /** Which format {@code spec} names; {@link #NONE} for plain Parquet (files, directories, globs). */
  static TableFormat of(String spec) {
    if (FileSystems.hasGlobWildcard(spec)) {
      return NONE;
    }
    String dir = spec.endsWith("/") ? spec : spec + "/";
    if (!list(dir + "_delta_log/*").isEmpty()) {
      return DELTA;
    }
    if (spec.endsWith(".metadata.json")) {
      return ICEBERG_METADATA;
    }
    List<String> metadata = list(dir + "metadata/*.metadata.json");
    if (metadata.isEmpty()) {
      return NONE;
    }
    boolean hadoopTable = !list(dir + "metadata/version-hint.text").isEmpty()
        || metadata.stream().anyMatch(m -> HADOOP_METADATA.matcher(name(m)).matches());
    if (!hadoopTable) {
      // Other catalogs (Hive, Glue, REST) keep the current metadata file's name; the newest on disk may not be it.
      metadata.sort(Comparator.comparing(TableFormat::name));
      throw new LaunchException("--input " + spec + ": Iceberg table of a catalog other than Hadoop's:"
          + " give its current metadata file, e.g. --input=" + metadata.get(metadata.size() - 1));
    }
    return ICEBERG;
  }

  private static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static List<String> list(String glob) {
    try {
      MatchResult result = FileSystems.match(glob, EmptyMatchTreatment.ALLOW);
      if (result.status() == MatchResult.Status.NOT_FOUND) {
        return new ArrayList<>();
      }
      List<String> paths = new ArrayList<>();
      for (MatchResult.Metadata m : result.metadata()) {
        paths.add(m.resourceId().toString());
      }
      return paths;
    } catch (IOException | IllegalArgumentException e) {
      return new ArrayList<>(); // not a table: TableFiles reports what is wrong with the input
    }
  }
}
