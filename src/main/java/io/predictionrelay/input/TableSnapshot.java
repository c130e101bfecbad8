package io.predictionrelay.input;

import io.delta.kernel.Scan;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.data.Row;
import io.delta.kernel.defaults.engine.DefaultEngine;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.internal.InternalScanFileUtils;
import io.delta.kernel.internal.SnapshotImpl;
import io.delta.kernel.internal.actions.DeletionVectorDescriptor;
import io.delta.kernel.internal.deletionvectors.DeletionVectorUtils;
import io.delta.kernel.internal.util.ColumnMapping;
import io.delta.kernel.internal.util.ColumnMapping.ColumnMappingMode;
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
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.StaticTableOperations;
import org.apache.iceberg.hadoop.HadoopFileIO;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.MetadataColumns;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.parquet.schema.MessageType;

/**
 * The data files of a Delta Lake or Iceberg table's snapshot, as the table's own log or metadata
 * lists them. A table's directory also holds files that are no longer part of it (removed,
 * overwritten, compacted): listing the directory, as {@code TableFiles} does for plain Parquet,
 * would publish rows the table does not have. A snapshot is just the exact list of files with their
 * partition values, so the rest of the input is read as any other Parquet.
 *
 * <p>The snapshot's schema is the table's ({@link TableSchema}): its columns, their types, and how
 * each file holds them (Delta's physical names and field ids under column mapping, Iceberg's field
 * ids), so that renamed, dropped, re-added and added columns are read as the table's engine reads
 * them. Rows the snapshot deletes (Delta deletion vectors; Iceberg position and equality delete
 * files) are found with the formats' own libraries, as positions in their files that are never
 * read. What cannot be read exactly is refused with one line naming the table and the feature:
 * data files that are not Parquet.
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
    List<String> partitionColumns = snapshot.getPartitionColumnNames(engine);
    ColumnMappingMode mode = ColumnMapping.getColumnMappingMode(
        ((SnapshotImpl) snapshot).getMetadata().getConfiguration());
    Map<String, String> physicalNames = new LinkedHashMap<>();
    Map<String, Integer> fieldIds = new LinkedHashMap<>();
    List<org.apache.parquet.schema.Type> columns = new ArrayList<>();
    for (StructField field : schema.fields()) {
      physicalNames.put(field.getName(), ColumnMapping.getPhysicalName(field));
      if (mode == ColumnMappingMode.ID) {
        fieldIds.put(field.getName(), field.getMetadata().getLong(ColumnMapping.COLUMN_MAPPING_ID_KEY).intValue());
      }
      if (!partitionColumns.contains(field.getName())) {
        columns.add(DeltaTypes.parquet(field));
      }
    }
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
            DeletionVectorDescriptor dv = InternalScanFileUtils.getDeletionVectorDescriptorFromRow(row);
            long[] deleted = dv == null ? TableFile.NONE : DeletionVectorUtils.loadNewDvAndBitmap(engine,
                ((SnapshotImpl) snapshot).getDataPath().toString(), dv)._2.toArray();
            Map<String, String> values = InternalScanFileUtils.getPartitionValues(row);
            List<String> partitionValues = new ArrayList<>();
            for (String column : partitionColumns) {
              partitionValues.add(values.get(physicalNames.get(column)));
            }
            files.add(new TableFile(path, status.getSize(), partitionValues, -1, status.getModificationTime(),
                deleted));
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof LaunchException launch) {
        throw launch;
      }
      throw new LaunchException(table + ": " + FoundFiles.firstLine(e), e);
    }
    return new Found(partitionColumns, kinds, sorted(files), table + " version " + snapshot.getVersion(engine),
        TableSchema.delta(new MessageType("table", columns), physicalNames, fieldIds));
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
    org.apache.iceberg.Schema schema = snapshotSchema(iceberg, snapshotId);
    NameMapping mapping = nameMapping(iceberg);
    List<TableFile> files = new ArrayList<>();
    try (CloseableIterable<FileScanTask> tasks = iceberg.newScan().useSnapshot(snapshotId).planFiles()) {
      for (FileScanTask task : tasks) {
        DataFile file = task.file();
        String path = local(spec, file.path().toString());
        if (file.format() != FileFormat.PARQUET) {
          throw new LaunchException(table + " snapshot " + snapshotId + ": " + file.format()
              + " data files are not supported, only Parquet (" + path + ")");
        }
        long[] deleted = task.deletes().isEmpty() ? TableFile.NONE : icebergDeleted(iceberg, schema, mapping, task);
        // Identity-partitioned columns are written in Iceberg's data files: no partition values to add.
        files.add(new TableFile(path, file.fileSizeInBytes(), List.of(), file.recordCount(), 0, deleted));
      }
    } catch (IOException e) {
      throw new LaunchException(table + ": " + FoundFiles.firstLine(e), e);
    }
    return new Found(List.of(), Map.of(), sorted(files), table + " snapshot " + snapshotId,
        icebergSchema(schema, mapping));
  }

  /** The schema a snapshot was written with: later schema changes do not apply to it. */
  private static org.apache.iceberg.Schema snapshotSchema(org.apache.iceberg.Table iceberg, long snapshotId) {
    Integer schemaId = iceberg.snapshot(snapshotId).schemaId();
    return schemaId == null ? iceberg.schema() : iceberg.schemas().get(schemaId);
  }

  /**
   * The snapshot's columns, found in each file by field id as Iceberg's readers find them: the
   * file's own Parquet field ids, else the table's name mapping, else ids by position.
   */
  private static TableSchema icebergSchema(org.apache.iceberg.Schema schema, NameMapping mapping) {
    return TableSchema.iceberg(ParquetSchemaUtil.convert(schema, "table"), file -> ParquetSchemaUtil.hasIds(file)
        ? file : mapping != null ? ParquetSchemaUtil.applyNameMapping(file, mapping) : ParquetSchemaUtil.addFallbackIds(file));
  }

  private static NameMapping nameMapping(org.apache.iceberg.Table iceberg) {
    String json = iceberg.properties().get(TableProperties.DEFAULT_NAME_MAPPING);
    return json == null ? null : NameMappingParser.fromJson(json);
  }

  /**
   * The positions of a data file's rows that its delete files (position and equality deletes, as
   * the snapshot's planning applies them by sequence number) delete: found by Iceberg's own delete
   * filter over the file's row positions and equality columns, so that they mean what they mean to
   * Iceberg's readers.
   */
  private static long[] icebergDeleted(org.apache.iceberg.Table iceberg, org.apache.iceberg.Schema schema,
      NameMapping mapping, FileScanTask task) {
    GenericDeleteFilter filter =
        new GenericDeleteFilter(iceberg.io(), task, schema, new org.apache.iceberg.Schema(MetadataColumns.ROW_POSITION));
    org.apache.iceberg.Schema required = filter.requiredSchema();
    Parquet.ReadBuilder read = Parquet.read(iceberg.io().newInputFile(task.file().path().toString()))
        .project(required)
        .createReaderFunc(fileSchema -> GenericParquetReaders.buildReader(required, fileSchema));
    if (mapping != null) {
      read.withNameMapping(mapping);
    }
    long rows = task.file().recordCount();
    java.util.BitSet kept = new java.util.BitSet();
    try (CloseableIterable<Record> records = filter.filter(read.build())) {
      for (Record record : records) {
        kept.set(Math.toIntExact((Long) record.getField(MetadataColumns.ROW_POSITION.name())));
      }
    } catch (IOException | RuntimeException e) {
      throw new LaunchException("Iceberg table " + iceberg.location() + ": its deletes of " + task.file().path()
          + " cannot be read: " + FoundFiles.firstLine(e), e);
    }
    long[] deleted = new long[Math.toIntExact(rows - kept.cardinality())];
    int n = 0;
    for (int pos = kept.nextClearBit(0); pos < rows; pos = kept.nextClearBit(pos + 1)) {
      deleted[n++] = pos;
    }
    return deleted;
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
