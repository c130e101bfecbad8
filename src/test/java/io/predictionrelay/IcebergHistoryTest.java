package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.testing.FilesSinkRun;
import io.predictionrelay.testing.IcebergTables;
import io.predictionrelay.testing.ParquetFixtures;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Iceberg tables whose schema evolved, written by Iceberg's own Java writer, are published as
 * Iceberg's own reader ({@link IcebergGenerics}) reads each snapshot: columns found by field id, so a
 * column dropped and added again under the same name is null in the files that predate it (and such
 * rows are dead letters, as any null class value), a renamed column keeps its values under its new
 * name, an added column is null in older files, promoted types read as the table's type, and files
 * written without field ids are read through the table's name mapping; rows deleted by position
 * delete files and by equality delete files (as Flink writes them, on the id) are not published.
 * Every snapshot of each table is compared id by id and value by value, and no column carries a
 * value of another.
 */
class IcebergHistoryTest {
  private static final Pattern CLASS = Pattern.compile("class_(\\d+)");

  @TempDir Path dir;

  private Table create(String name, Schema schema) {
    return IcebergTables.create(dir.resolve(name), schema);
  }

  private static DataFile append(Table table, Object[]... rows) throws IOException {
    return IcebergTables.append(table, rows);
  }

  private static Schema classic() {
    return schema(column(1, "id_client", Types.StringType.get()), column(2, "class_0", Types.DoubleType.get()),
        column(3, "class_1", Types.DoubleType.get()));
  }

  @Test
  void rowsDeletedByPositionDeleteFilesAreNotPublished() throws IOException {
    Table table = create("position", classic());
    DataFile data = append(table, new Object[] {"a", 0.1, 0.9}, new Object[] {"b", 0.2, 0.8},
        new Object[] {"c", 0.3, 0.7}, new Object[] {"d", 0.4, 0.6});
    long before = table.currentSnapshot().snapshotId();
    IcebergTables.deletePositions(table, data, 1, 3); // b, d

    FilesSinkRun run = assertPublishedAsIcebergReads(table, table.currentSnapshot().snapshotId());
    assertEquals(List.of("a", "c"), List.copyOf(run.predictions().keySet()));
    assertEquals(2, run.plan().input().deletedRows());
    assertEquals(2, run.plan().input().totalRows());
    List<String> read = new ArrayList<>(); // what the verifier reads
    run.plan().input().readRecords(run.plan().input().files().get(0), r -> read.add(r.get("id_client").toString()));
    assertEquals(List.of("a", "c"), read);
    assertEquals(List.of("a", "b", "c", "d"),
        List.copyOf(assertPublishedAsIcebergReads(table, before).predictions().keySet()));
  }

  @Test
  void rowsDeletedByEqualityDeleteFilesOnTheIdAreNotPublishedWhereTheyPrecedeTheDelete() throws IOException {
    Table table = create("equality", classic());
    append(table, new Object[] {"a", 0.1, 0.9}, new Object[] {"b", 0.2, 0.8}, new Object[] {"c", 0.3, 0.7});
    // An upsert as Flink writes one: the old row deleted by its key, the new one appended after it.
    IcebergTables.deleteEqual(table, "id_client", "b");
    append(table, new Object[] {"b", 0.25, 0.75}); // written after the delete: not deleted by it

    FilesSinkRun run = assertPublishedAsIcebergReads(table, table.currentSnapshot().snapshotId());
    assertEquals(List.of("a", "b", "c"), List.copyOf(run.predictions().keySet()));
    assertEquals(0.25, run.predictions().get("b").get("class_0").doubleValue());
    assertEquals(1, run.plan().input().deletedRows());
  }

  private static Schema schema(Types.NestedField... fields) {
    return new Schema(fields);
  }

  private static Types.NestedField column(int id, String name, org.apache.iceberg.types.Type type) {
    return Types.NestedField.optional(id, name, type);
  }

  @Test
  void aColumnDroppedAndAddedAgainIsNullInTheFilesThatPredateIt() throws IOException {
    Table table = create("readded", schema(column(1, "id_client", Types.StringType.get()),
        column(2, "class_0", Types.DoubleType.get()), column(3, "class_1", Types.DoubleType.get())));
    append(table, new Object[] {"a", 0.1, 0.9}, new Object[] {"b", 0.2, 0.8});
    long before = table.currentSnapshot().snapshotId();
    table.updateSchema().deleteColumn("class_1").commit();
    table.updateSchema().addColumn("class_1", Types.DoubleType.get()).commit();
    append(table, new Object[] {"c", 0.3, 0.7});

    FilesSinkRun latest = assertPublishedAsIcebergReads(table, table.currentSnapshot().snapshotId());
    assertEquals(List.of("c"), List.copyOf(latest.predictions().keySet()), "a and b have no class_1 now");
    assertEquals(2, latest.summary().deadLettered());
    // The snapshot from before the drop still has the old column's values.
    FilesSinkRun old = assertPublishedAsIcebergReads(table, before);
    assertEquals(0.9, old.predictions().get("a").get("class_1").doubleValue());
  }

  @Test
  void renamedAndReorderedColumnsKeepTheirValuesAtEverySnapshot() throws IOException {
    Table table = create("renamed", schema(column(1, "id_client", Types.StringType.get()),
        column(2, "class_0", Types.DoubleType.get()), column(3, "class_1", Types.DoubleType.get()),
        column(4, "class_2", Types.DoubleType.get())));
    append(table, new Object[] {"a", 0.1, 0.2, 0.7});
    long before = table.currentSnapshot().snapshotId();
    // class_1 becomes class_5; class_2 and class_0 swap names through a temporary one; class_5 moves first
    table.updateSchema().renameColumn("class_1", "class_5").commit();
    table.updateSchema().renameColumn("class_0", "tmp").renameColumn("class_2", "class_0").commit();
    table.updateSchema().renameColumn("tmp", "class_2").moveFirst("class_5").commit();
    append(table, new Object[] {0.25, "b", 0.05, 0.7});

    FilesSinkRun latest = assertPublishedAsIcebergReads(table, table.currentSnapshot().snapshotId());
    JsonNode a = latest.predictions().get("a");
    assertEquals(0.7, a.get("class_0").doubleValue(), "class_2's values, under its new name class_0");
    assertEquals(0.1, a.get("class_2").doubleValue());
    assertEquals(0.2, a.get("class_5").doubleValue());
    assertEquals(List.of("a", "b"), List.copyOf(latest.predictions().keySet()));
    FilesSinkRun old = assertPublishedAsIcebergReads(table, before);
    assertEquals(0.2, old.predictions().get("a").get("class_1").doubleValue());
  }

  @Test
  void anAddedColumnIsNullInOlderFilesAndPromotedTypesReadAsTheTablesType() throws IOException {
    Table table = create("evolved", schema(column(1, "id_client", Types.StringType.get()),
        column(2, "class_0", Types.FloatType.get()), column(3, "class_1", Types.IntegerType.get()),
        column(4, "class_2", Types.DecimalType.of(9, 2)), column(5, "rank", Types.IntegerType.get())));
    append(table, new Object[] {"a", 0.1f, 7, new BigDecimal("1.25"), 3});
    table.updateSchema()
        .updateColumn("class_0", Types.DoubleType.get())
        .updateColumn("class_1", Types.LongType.get())
        .updateColumn("class_2", Types.DecimalType.of(12, 2))
        .updateColumn("rank", Types.LongType.get())
        .commit();
    append(table, new Object[] {"b", 0.2, 1L << 40, new BigDecimal("1234567890.12"), 1L << 35});
    FilesSinkRun promoted = assertPublishedAsIcebergReads(table, table.currentSnapshot().snapshotId(),
        "--extraColumns=rank");
    assertEquals(0, new BigDecimal("1.25").compareTo(promoted.predictions().get("a").get("class_2").decimalValue()));
    assertEquals(3, promoted.predictions().get("a").get("rank").longValue());

    table.updateSchema().addColumn("class_3", Types.DoubleType.get()).commit();
    append(table, new Object[] {"c", 0.3, 2L, new BigDecimal("0.50"), 4L, 0.4});
    FilesSinkRun added = assertPublishedAsIcebergReads(table, table.currentSnapshot().snapshotId(),
        "--extraColumns=rank");
    assertEquals(List.of("c"), List.copyOf(added.predictions().keySet()));
    assertEquals(Map.of("class_3", 2), added.plan().input().absentColumns());
  }

  @Test
  void filesWithoutFieldIdsAreReadThroughTheNameMappingAcrossARename() throws IOException {
    Schema schema = schema(column(1, "id_client", Types.StringType.get()),
        column(2, "class_0", Types.DoubleType.get()), column(3, "class_1", Types.DoubleType.get()));
    Table table = create("imported", schema);
    table.updateProperties()
        .set(TableProperties.DEFAULT_NAME_MAPPING, NameMappingParser.toJson(MappingUtil.create(schema)))
        .commit();
    // A file written by another writer (parquet-avro: no field ids), added to the table as add_files does.
    Path file = ParquetFixtures.write(dir.resolve("imported-data.parquet"), ParquetFixtures.predictionSchema(2),
        List.of(ParquetFixtures.row("a", 0.1, 0.9), ParquetFixtures.row("b", 0.2, 0.8)));
    table.newAppend().appendFile(DataFiles.builder(table.spec())
        .withPath(file.toString()).withFormat(FileFormat.PARQUET)
        .withFileSizeInBytes(Files.size(file)).withRecordCount(2).build()).commit();
    long before = table.currentSnapshot().snapshotId();
    table.updateSchema().renameColumn("class_1", "class_4").commit(); // the mapping keeps class_1 as an alias
    append(table, new Object[] {"c", 0.3, 0.7});

    FilesSinkRun latest = assertPublishedAsIcebergReads(table, table.currentSnapshot().snapshotId());
    assertEquals(0.9, latest.predictions().get("a").get("class_4").doubleValue());
    assertPublishedAsIcebergReads(table, before);
  }

  /**
   * Publishes the snapshot and compares it with Iceberg's own read of it: every row whose class
   * values are all present is published with exactly those values under exactly those names (and
   * nothing else), every other row is a dead letter, and the counts reconcile.
   */
  private FilesSinkRun assertPublishedAsIcebergReads(Table table, long snapshotId, String... more) throws IOException {
    Schema schema = table.schemas().get(table.snapshot(snapshotId).schemaId());
    List<String> classes = new ArrayList<>();
    for (Types.NestedField field : schema.columns()) {
      if (CLASS.matcher(field.name()).matches()) {
        classes.add(field.name());
      }
    }
    Map<String, Record> publishable = new TreeMap<>();
    int unpublishable = 0;
    try (CloseableIterable<Record> rows = IcebergGenerics.read(table).useSnapshot(snapshotId).build()) {
      for (Iterator<Record> it = rows.iterator(); it.hasNext(); ) {
        Record row = it.next();
        if (classes.stream().allMatch(c -> row.getField(c) != null)) {
          publishable.put((String) row.getField("id_client"), row);
        } else {
          unpublishable++;
        }
      }
    }
    List<String> args = new ArrayList<>(List.of("--tableVersion=" + snapshotId));
    args.addAll(List.of(more));
    FilesSinkRun run = FilesSinkRun.publish(dir, table.location(), args.toArray(String[]::new));
    assertEquals(publishable.keySet(), run.predictions().keySet(), "published ids at snapshot " + snapshotId);
    assertEquals(unpublishable, run.summary().deadLettered(), "dead letters at snapshot " + snapshotId);
    for (Map.Entry<String, Record> expected : publishable.entrySet()) {
      JsonNode published = run.predictions().get(expected.getKey());
      TreeSet<String> names = new TreeSet<>();
      published.fieldNames().forEachRemaining(names::add);
      TreeSet<String> expectedNames = new TreeSet<>(classes);
      expectedNames.add("id_client");
      for (String extra : more) {
        if (extra.startsWith("--extraColumns=")) {
          expectedNames.add(extra.substring("--extraColumns=".length()));
        }
      }
      assertEquals(expectedNames, names, expected.getKey() + " at snapshot " + snapshotId);
      for (String column : names) {
        Object value = expected.getValue().getField(column);
        JsonNode node = published.get(column);
        String where = expected.getKey() + "." + column + " at snapshot " + snapshotId;
        if (value instanceof BigDecimal decimal) {
          assertEquals(0, decimal.compareTo(node.decimalValue()), where + ": " + decimal + " vs " + node);
        } else if (value instanceof Number number && !(value instanceof Double || value instanceof Float)) {
          assertEquals(number.longValue(), node.longValue(), where);
        } else if (value instanceof Number number) {
          assertEquals(number.doubleValue(), node.doubleValue(), where);
        } else {
          assertEquals(String.valueOf(value), node.asText(), where);
        }
      }
    }
    assertTrue(run.summary().reconciles(), run.summary().toString());
    return run;
  }
}
