package io.predictionrelay.input;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.types.DataType;
import io.delta.kernel.types.DateType;
import io.delta.kernel.types.IntegerType;
import io.delta.kernel.types.LongType;
import io.delta.kernel.types.ShortType;
import io.delta.kernel.types.StructField;
import io.delta.kernel.types.StructType;
import io.delta.kernel.utils.CloseableIterator;
import io.delta.kernel.utils.FileStatus;
import io.predictionrelay.input.ExtraColumn.Kind;
import io.predictionrelay.input.FoundFiles.Found;
import io.predictionrelay.input.FoundFiles.TableFile;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.TableOptions;
import io.predictionrelay.storage.BeamHadoopFileSystem;
import io.predictionrelay.storage.FileSystemSetup;
import java.io.File;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.StaticTableOperations;
import org.apache.iceberg.hadoop.HadoopFileIO;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types;

/**
 * The data files of a Delta Lake or Iceberg table's snapshot, as the table's own log or metadata
 * lists them. A table's directory also holds files that are no longer part of it (removed,
 * overwritten, compacted): listing the directory, as {@code TableFiles} does for plain Parquet,
 * would publish rows the table does not have. A snapshot is just the exact list of files with their
 * partition values, so the rest of the input is read as any other Parquet.
 *
 * <p>What cannot be read exactly is refused with one line naming the feature and the table: row-level
 * deletes (Delta deletion vectors, Iceberg delete files), Delta column mapping and renamed Iceberg
 * columns (files would be read by names they do not have), data files that are not Parquet.
 */
public final class TableSnapshot {
  private TableSnapshot() {}

  /** Which snapshot: the latest, a version (Delta) or snapshot id (Iceberg), or the one current at a time. */
  public record At(Long version, Long timestampMillis) {
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

  /** Delta names a column's file name this way when the table maps columns (by name or by id). */
  private static final String PHYSICAL_NAME = "delta.columnMapping.physicalName";
  /** A Hadoop table's metadata files: v1.metadata.json, v2.metadata.json, ... */
  private static final Pattern HADOOP_METADATA = Pattern.compile("v\\d+\\.metadata\\.json");

  /**
   * The snapshot's files when {@code spec} is a Delta table (a directory holding {@code _delta_log/}),
   * an Iceberg table (a directory holding {@code metadata/*.metadata.json}) or an Iceberg metadata
   * file; empty for anything else.
   */
  static Optional<Found> find(String spec, At at) {
    return switch (format(spec)) {
      case DELTA -> Optional.of(delta(spec, at));
      case ICEBERG -> Optional.of(iceberg(spec, at, false));
      case ICEBERG_METADATA -> Optional.of(iceberg(spec, at, true));
      case NONE -> Optional.empty();
    };
  }

  static boolean isTable(String spec) {
    return format(spec) != Format.NONE;
  }

  private enum Format { DELTA, ICEBERG, ICEBERG_METADATA, NONE }

  private static Format format(String spec) {
    if (FileSystems.hasGlobWildcard(spec)) {
      return Format.NONE;
    }
    String dir = spec.endsWith("/") ? spec : spec + "/";
    if (!list(dir + "_delta_log/*").isEmpty()) {
      return Format.DELTA;
    }
    if (spec.endsWith(".metadata.json")) {
      return Format.ICEBERG_METADATA;
    }
    List<String> metadata = list(dir + "metadata/*.metadata.json");
    if (metadata.isEmpty()) {
      return Format.NONE;
    }
    boolean hadoopTable = !list(dir + "metadata/version-hint.text").isEmpty()
        || metadata.stream().anyMatch(m -> HADOOP_METADATA.matcher(name(m)).matches());
    if (!hadoopTable) {
      // Other catalogs (Hive, Glue, REST) keep the current metadata file's name; the newest on disk may not be it.
      metadata.sort(Comparator.comparing(TableSnapshot::name));
      throw new LaunchException("--input " + spec + ": Iceberg table of a catalog other than Hadoop's:"
          + " give its current metadata file, e.g. --input=" + metadata.get(metadata.size() - 1));
    }
    return Format.ICEBERG;
  }

  /**
   * The Hadoop configuration that Delta Kernel and Iceberg read the table with: {@code core-site.xml}
   * and {@code hdfs-site.xml} from the classpath (as under {@code spark-submit}) and from
   * {@code HADOOP_CONF_DIR} (as Beam's Hadoop file system and Hadoop's own clients find them);
   * {@code s3://} and {@code s3a://} served by {@link BeamHadoopFileSystem}.
   */
  static Configuration hadoopConfiguration() {
    Configuration conf = new Configuration();
    // s3:// and s3a:// through Beam's S3 file system, as the data files. Left in Hadoop's file system
    // cache: Delta Kernel 3.3 reads checkpoints with a Configuration of its own (Parquet's default),
    // which finds the bucket's file system only there.
    for (String scheme : FileSystemSetup.S3_SCHEMES) {
      conf.set("fs." + scheme + ".impl", BeamHadoopFileSystem.class.getName());
    }
    String confDir = System.getenv("HADOOP_CONF_DIR");
    if (confDir != null && !confDir.isBlank()) {
      for (String name : List.of("core-site.xml", "hdfs-site.xml")) {
        File file = new File(confDir, name);
        if (file.isFile()) {
          conf.addResource(new Path(file.toURI()));
        }
      }
    }
    return conf;
  }

  private static Found delta(String spec, At at) {
    String table = "Delta table " + spec;
    Engine engine = DefaultEngine.create(hadoopConfiguration());
    Snapshot snapshot;
    try {
      Table delta = Table.forPath(engine, spec);
      snapshot = at.version() != null ? delta.getSnapshotAsOfVersion(engine, at.version())
          : at.timestampMillis() != null ? delta.getSnapshotAsOfTimestamp(engine, at.timestampMillis())
          : delta.getLatestSnapshot(engine);
    } catch (RuntimeException e) {
      throw new LaunchException(table + (at.latest() ? "" : " at " + at) + ": " + FoundFiles.firstLine(e), e);
    }
    StructType schema = snapshot.getSchema(engine);
    for (StructField field : schema.fields()) {
      if (field.getMetadata().contains(PHYSICAL_NAME)) {
        throw new LaunchException(table + ": column mapping (delta.columnMapping.mode) is not supported:"
            + " its files name column " + field.getName() + " " + field.getMetadata().getString(PHYSICAL_NAME));
      }
    }
    List<String> partitionColumns = snapshot.getPartitionColumnNames(engine);
    Map<String, Kind> kinds = new LinkedHashMap<>();
    for (String column : partitionColumns) {
      kinds.put(column, deltaKind(schema.get(column).getDataType()));
    }
    Scan scan = snapshot.getScanBuilder(engine).build();
    List<TableFile> files = new ArrayList<>();
    try (CloseableIterator<FilteredColumnarBatch> batches = scan.getScanFiles(engine)) {
      while (batches.hasNext()) {
        try (CloseableIterator<Row> rows = batches.next().getRows()) {
          while (rows.hasNext()) {
            Row row = rows.next();
            FileStatus status = InternalScanFileUtils.getAddFileStatus(row);
            String path = local(spec, status.getPath());
            if (InternalScanFileUtils.getDeletionVectorDescriptorFromRow(row) != null) {
              throw new LaunchException(table + " version " + snapshot.getVersion(engine)
                  + ": deletion vectors are not supported (" + path + " has rows deleted by one)");
            }
            Map<String, String> values = InternalScanFileUtils.getPartitionValues(row);
            List<String> partitionValues = new ArrayList<>();
            for (String column : partitionColumns) {
              partitionValues.add(values.get(column));
            }
            files.add(new TableFile(path, status.getSize(), partitionValues, -1, status.getModificationTime()));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof LaunchException launch) {
        throw launch;
      }
      throw new LaunchException(table + ": " + FoundFiles.firstLine(e), e);
    }
    return new Found(partitionColumns, kinds, sorted(files), table + " version " + snapshot.getVersion(engine));
  }

  /** A partition column typed by the table's schema: integers as numbers, dates and the rest as text. */
  private static Kind deltaKind(DataType type) {
    if (type instanceof IntegerType || type instanceof LongType || type instanceof ShortType
        || type instanceof io.delta.kernel.types.ByteType) {
      return Kind.INTEGER;
    }
    return type instanceof DateType ? Kind.DATE : Kind.STRING;
  }

  private static Found iceberg(String spec, At at, boolean metadataFile) {
    String table = "Iceberg table " + spec;
    Configuration conf = hadoopConfiguration();
    org.apache.iceberg.Table iceberg;
    long snapshotId;
    try {
      iceberg = metadataFile
          ? new BaseTable(new StaticTableOperations(spec, new HadoopFileIO(conf)), spec)
          : new HadoopTables(conf).load(spec);
      if (at.version() != null) {
        if (iceberg.snapshot(at.version()) == null) {
          throw new LaunchException(table + ": no snapshot " + at.version() + " (--tableVersion is a snapshot id)");
        }
        snapshotId = at.version();
      } else if (at.timestampMillis() != null) {
        snapshotId = org.apache.iceberg.util.SnapshotUtil.snapshotIdAsOfTime(iceberg, at.timestampMillis());
      } else if (iceberg.currentSnapshot() == null) {
        throw new LaunchException(table + ": the table has no snapshot (no data was ever committed)");
      } else {
        snapshotId = iceberg.currentSnapshot().snapshotId();
      }
    } catch (LaunchException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new LaunchException(table + (at.latest() ? "" : " at " + at) + ": " + FoundFiles.firstLine(e), e);
    }
    requireNoRenames(table, iceberg, snapshotId);
    List<TableFile> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = iceberg.newScan().useSnapshot(snapshotId).planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile file = task.file();
        String path = local(spec, file.path().toString());
        if (file.format() != FileFormat.PARQUET) {
          throw new LaunchException(table + " snapshot " + snapshotId + ": " + file.format()
              + " data files are not supported, only Parquet (" + path + ")");
        }
        for (DeleteFile deletes : task.deletes()) {
          throw new LaunchException(table + " snapshot " + snapshotId + ": "
              + deletes.content().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
              + " (row-level delete files) are not supported (" + deletes.path() + ")");
        }
        // Identity-partitioned columns are written in Iceberg's data files: no partition values to add.
        files.add(new TableFile(path, file.fileSizeInBytes(), List.of(), file.recordCount(), 0));
      }
    } catch (IOException e) {
      throw new LaunchException(table + ": " + FoundFiles.firstLine(e), e);
    }
    return new Found(List.of(), Map.of(), sorted(files), table + " snapshot " + snapshotId);
  }

  /**
   * Refuses a table whose columns were renamed: its older files hold a column under its old name,
   * and files are read by name.
   */
  private static void requireNoRenames(String table, org.apache.iceberg.Table iceberg, long snapshotId) {
    Integer schemaId = iceberg.snapshot(snapshotId).schemaId();
    org.apache.iceberg.Schema current = schemaId == null ? iceberg.schema() : iceberg.schemas().get(schemaId);
    Map<Integer, String> names = new HashMap<>();
    for (Types.NestedField field : current.columns()) {
      names.put(field.fieldId(), field.name());
    }
    for (org.apache.iceberg.Schema schema : iceberg.schemas().values()) {
      for (Types.NestedField field : schema.columns()) {
        String now = names.get(field.fieldId());
        if (now != null && !now.equals(field.name())) {
          throw new LaunchException(table + ": renamed columns are not supported (" + field.name()
              + " was renamed " + now + "; files are read by column name)");
        }
      }
    }
  }

  /** A file's path in the form the input was given in: local inputs get local paths back, not file: URIs. */
  private static String local(String spec, String path) {
    if (!path.startsWith("file:") || spec.startsWith("file:")) {
      return path;
    }
    return new Path(path).toUri().getPath();
  }

  private static List<TableFile> sorted(List<TableFile> files) {
    files.sort(Comparator.comparing(TableFile::path));
    return files;
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
