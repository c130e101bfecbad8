package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.TableColumns;
import io.predictionrelay.input.TableSnapshot;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.testing.FilesSinkRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Iceberg tables written by Iceberg's own Java writer (a Hadoop table) are published exactly as
 * their snapshot holds them: nothing from files an overwrite removed, the snapshot a version names,
 * Evolved schemas and row-level deletes: {@link IcebergHistoryTest}.
 */
class IcebergTableTest {
  private static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "id_client", Types.StringType.get()),
      Types.NestedField.required(2, "class_0", Types.DoubleType.get()),
      Types.NestedField.required(3, "class_1", Types.DoubleType.get()),
      Types.NestedField.optional(4, "dt", Types.StringType.get()));

  @TempDir Path dir;

  private Table create(String name, PartitionSpec spec) {
    return new HadoopTables(new Configuration())
        .create(SCHEMA, spec, Map.of("format-version", "2"), dir.resolve(name).toString());
  }

  private static Record row(String id, double score, String dt) {
    Record record = GenericRecord.create(SCHEMA);
    record.setField("id_client", id);
    record.setField("class_0", score);
    record.setField("class_1", 1 - score);
    record.setField("dt", dt);
    return record;
  }

  private static DataFile write(Table table, Record... rows) throws IOException {
    PartitionKey partition = null;
    if (table.spec().isPartitioned()) {
      partition = new PartitionKey(table.spec(), table.schema());
      partition.partition(rows[0]);
    }
    String location = table.locationProvider().newDataLocation(table.spec(), partition, "f" + System.nanoTime() + ".parquet");
    DataWriter<Record> writer = new GenericAppenderFactory(table.schema(), table.spec()).newDataWriter(
        EncryptedFiles.plainAsEncryptedOutput(table.io().newOutputFile(location)), FileFormat.PARQUET, partition);
    try (writer) {
      for (Record row : rows) {
        writer.write(row);
      }
    }
    return writer.toDataFile();
  }

  /** Snapshot 1: a, b. Snapshot 2: b's file rewritten as c, d (the old file stays on disk). Snapshot 3: e added. */
  private Table overwritten() throws IOException {
    Table table = create("overwritten", PartitionSpec.unpartitioned());
    DataFile first = write(table, row("a", 0.1, null), row("b", 0.2, null));
    table.newAppend().appendFile(first).commit();
    table.newOverwrite().deleteFile(first).addFile(write(table, row("c", 0.3, null), row("d", 0.4, null))).commit();
    table.newAppend().appendFile(write(table, row("e", 0.5, null))).commit();
    return table;
  }

  @Test
  void publishesTheCurrentSnapshotOnlyNotTheFilesItRemoved() throws IOException {
    Table table = overwritten();
    try (Stream<Path> files = Files.walk(dir.resolve("overwritten/data"))) {
      assertEquals(3, files.filter(p -> p.toString().endsWith(".parquet")).count(), "the removed file is still there");
    }
    FilesSinkRun run = FilesSinkRun.publish(dir, table.location());
    assertEquals(Set.of("c", "d", "e"), run.predictions().keySet());
    assertEquals(0.3, run.predictions().get("c").get("class_0").doubleValue());
    assertEquals(3, run.summary().rowsRead());
    assertEquals(3, run.plan().input().totalRows());
    assertEquals(2, run.plan().input().files().size());
    assertEquals("Iceberg table " + table.location() + " snapshot " + table.currentSnapshot().snapshotId(),
        run.plan().input().snapshot());
    assertTrue(run.summary().reconciles(), run.summary().toString());
  }

  @Test
  void aSnapshotIdOrATimePublishesThatSnapshot() throws IOException {
    Table table = overwritten();
    long first = table.history().get(0).snapshotId();
    assertEquals(Set.of("a", "b"),
        FilesSinkRun.publish(dir, table.location(), "--tableVersion=" + first).predictions().keySet());
    long secondCommitted = table.history().get(1).timestampMillis();
    assertEquals(Set.of("c", "d"), FilesSinkRun.publish(dir, table.location(),
        "--tableTimestamp=" + secondCommitted).predictions().keySet());
  }

  @Test
  void aMetadataFilePublishesItsSnapshot() throws IOException {
    Table table = overwritten();
    try (Stream<Path> files = Files.list(dir.resolve("overwritten/metadata"))) {
      Path v3 = files.filter(p -> p.getFileName().toString().equals("v3.metadata.json")).findFirst().orElseThrow();
      // v3: after the overwrite, before e was added
      assertEquals(Set.of("c", "d"), FilesSinkRun.publish(dir, v3.toString()).predictions().keySet());
    }
  }

  @Test
  void identityPartitionColumnsComeFromTheFiles() throws IOException {
    Table table = create("partitioned", PartitionSpec.builderFor(SCHEMA).identity("dt").build());
    table.newAppend()
        .appendFile(write(table, row("a", 0.1, "2026-11-18")))
        .appendFile(write(table, row("b", 0.2, "2026-11-19")))
        .commit();
    FilesSinkRun run = FilesSinkRun.publish(dir, table.location(), "--extraColumns=dt");
    assertEquals("2026-11-18", run.predictions().get("a").get("dt").textValue());
    assertEquals("2026-11-19", run.predictions().get("b").get("dt").textValue());
  }

  @Test
  void anUnknownSnapshotIdIsOneLine() throws IOException {
    Table table = overwritten();
    LaunchException e = assertThrows(LaunchException.class, () -> ParquetInput.describe(table.location(),
        TableColumns.CLASSIC, new TableSnapshot.At(42L, null)));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().contains("no snapshot 42"), e.getMessage());
  }

  private static String error(String input) {
    LaunchException e = assertThrows(LaunchException.class, () -> ParquetInput.describe(input, TableColumns.CLASSIC));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    return e.getMessage();
  }
}
