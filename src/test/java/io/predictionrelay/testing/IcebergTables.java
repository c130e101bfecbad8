package io.predictionrelay.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.DataWriter;

/**
 * Iceberg tables written by Iceberg's own Java writers (a Hadoop table, format version 2): data
 * files, position delete files and equality delete files, each committed as Iceberg commits them.
 */
public final class IcebergTables {
  private IcebergTables() {}

  /** A new unpartitioned Hadoop table at {@code location}. */
  public static Table create(Path location, Schema schema) {
    return new HadoopTables(new Configuration())
        .create(schema, PartitionSpec.unpartitioned(), Map.of("format-version", "2"), location.toString());
  }

  /** Appends one file of rows (values in the table's current column order) and commits it. */
  public static DataFile append(Table table, Object[]... rows) throws IOException {
    DataFile file = write(table, rows);
    table.newAppend().appendFile(file).commit();
    return file;
  }

  /** Writes one data file of rows, not committed: for an overwrite ({@code table.newOverwrite()}). */
  public static DataFile write(Table table, Object[]... rows) throws IOException {
    String location = table.locationProvider().newDataLocation("f" + System.nanoTime() + ".parquet");
    DataWriter<Record> writer = new GenericAppenderFactory(table.schema(), table.spec()).newDataWriter(
        EncryptedFiles.plainAsEncryptedOutput(table.io().newOutputFile(location)), FileFormat.PARQUET, null);
    try (writer) {
      for (Object[] values : rows) {
        Record record = GenericRecord.create(table.schema());
        for (int i = 0; i < values.length; i++) {
          record.set(i, values[i]);
        }
        writer.write(record);
      }
    }
    return writer.toDataFile();
  }

  /** Deletes rows of {@code data} by position, in a position delete file (Spark's merge-on-read). */
  public static void deletePositions(Table table, DataFile data, long... positions) throws IOException {
    String location = table.locationProvider().newDataLocation("pos-deletes-" + System.nanoTime() + ".parquet");
    PositionDeleteWriter<Record> deletes = new GenericAppenderFactory(table.schema(), table.spec()).newPosDeleteWriter(
        EncryptedFiles.plainAsEncryptedOutput(table.io().newOutputFile(location)), FileFormat.PARQUET, null);
    try (deletes) {
      for (long position : positions) {
        deletes.write(PositionDelete.<Record>create().set(data.path(), position, null));
      }
    }
    table.newRowDelta().addDeletes(deletes.toDeleteFile()).commit();
  }

  /** Deletes the rows whose {@code column} is one of {@code values}, in an equality delete file (Flink's upserts). */
  public static void deleteEqual(Table table, String column, Object... values) throws IOException {
    Schema key = table.schema().select(column);
    String location = table.locationProvider().newDataLocation("eq-deletes-" + System.nanoTime() + ".parquet");
    EqualityDeleteWriter<Record> deletes = new GenericAppenderFactory(table.schema(), table.spec(),
        new int[] {table.schema().findField(column).fieldId()}, key, null)
        .newEqDeleteWriter(EncryptedFiles.plainAsEncryptedOutput(table.io().newOutputFile(location)),
            FileFormat.PARQUET, null);
    try (deletes) {
      for (Object value : values) {
        Record record = GenericRecord.create(key);
        record.setField(column, value);
        deletes.write(record);
      }
    }
    table.newRowDelta().addDeletes(deletes.toDeleteFile()).commit();
  }
}
