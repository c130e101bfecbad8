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
import io.predictionrelay.input.FoundFiles.TableFile;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.storage.FileSystemSetup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.schema.MessageType;

/**
 * A Delta Lake table's snapshot, read with Delta Kernel from the table's log: its add files, their
 * partition values, and the rows its deletion vectors delete. Columns are found in each file by
 * Delta's physical names and, under column mapping by id, its field ids.
 */
record DeltaSnapshot(String location, long version, List<TableFile> files, List<String> partitionColumns,
    Map<String, Kind> partitionKinds, TableSchema schema) implements TableSnapshot {
  DeltaSnapshot {
    files = Collections.unmodifiableList(files);
    partitionColumns = Collections.unmodifiableList(partitionColumns);
    partitionKinds = Collections.unmodifiableMap(partitionKinds); // in the table's order
  }

  @Override
  public String table() {
    return "Delta table " + location;
  }

  @Override
  public String describe() {
    return table() + " version " + version;
  }

  /** The snapshot {@code at} selects of the Delta table at {@code spec}. */
  static DeltaSnapshot read(String spec, At at) {
    String table = "Delta table " + spec;
    Engine engine = DefaultEngine.create(FileSystemSetup.hadoopConfiguration());
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
            String path = FoundFiles.asGiven(spec, status.getPath());
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
    return new DeltaSnapshot(spec, snapshot.getVersion(engine), FoundFiles.byPath(files), partitionColumns, kinds,
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
}
