package io.predictionrelay.input;

import io.predictionrelay.input.ExtraColumn.Kind;
import io.predictionrelay.input.FoundFiles.TableFile;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.storage.FileSystemSetup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.MetadataColumns;
import org.apache.iceberg.StaticTableOperations;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.data.parquet.GenericParquetReaders;
import org.apache.iceberg.hadoop.HadoopFileIO;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.mapping.NameMapping;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetSchemaUtil;

/**
 * An Iceberg table's snapshot, read with Iceberg's own planning from the table's metadata: its data
 * files, and the rows its position and equality delete files delete. Columns are found in each file
 * by field id. Data files that are not Parquet are refused. Identity-partitioned columns are written
 * in Iceberg's data files, so there are no partition values to add.
 */
record IcebergSnapshot(String location, long version, List<TableFile> files, TableSchema schema)
    implements TableSnapshot {
  IcebergSnapshot {
    files = Collections.unmodifiableList(files);
  }

  @Override
  public List<String> partitionColumns() {
    return List.of();
  }

  @Override
  public Map<String, Kind> partitionKinds() {
    return Map.of();
  }

  @Override
  public String table() {
    return "Iceberg table " + location;
  }

  @Override
  public String describe() {
    return table() + " snapshot " + version;
  }

  /**
   * The snapshot {@code at} selects of the Iceberg table at {@code spec}: a Hadoop table's
   * directory, or any table's metadata file when {@code metadataFile}.
   */
  static IcebergSnapshot read(String spec, At at, boolean metadataFile) {
    String table = "Iceberg table " + spec;
    Configuration conf = FileSystemSetup.hadoopConfiguration();
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
        String path = FoundFiles.asGiven(spec, file.path().toString());
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
    return new IcebergSnapshot(spec, snapshotId, FoundFiles.byPath(files), icebergSchema(schema, mapping));
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
}
