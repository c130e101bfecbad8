package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.predictionrelay.testing.DeltaTables;
import io.predictionrelay.testing.FilesSinkRun;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delta tables whose schema evolved, written by Delta's own Spark writer, are published as Spark
 * reads each version ({@code versionAsOf}): column mapping by name and by id across a rename, a
 * drop and a re-add (files name their columns by physical names, {@code col-…}); an added column
 * ({@code mergeSchema}) null in older files, whose rows are dead letters as any null class value;
 * rows deleted by deletion vectors (DELETE, UPDATE, MERGE) left out.
 * Every version is compared id by id and value by value with Spark's read of it.
 */
class DeltaHistoryTest {
  private static final Pattern CLASS = Pattern.compile("class_(\\d+)");

  @TempDir static Path dir;
  private static SparkSession spark;
  private static String byName;
  private static String byId;
  private static String merged;
  private static String deleted;
  private static String widened;

  @BeforeAll
  static void writeTables() {
    spark = DeltaTables.session("DeltaHistoryTest");
    byName = evolve("by_name", "name");
    byId = evolve("by_id", "id");
    merged = dir.resolve("merged").toString();
    spark.sql("CREATE TABLE delta.`" + merged + "` (id_client STRING, class_0 DOUBLE, class_1 DOUBLE) USING delta");
    spark.sql("INSERT INTO delta.`" + merged + "` VALUES ('a', 0.1, 0.9), ('b', 0.2, 0.8)"); // version 1
    spark.sql("SELECT 'c' AS id_client, 0.3D AS class_0, 0.6D AS class_1, 0.1D AS class_2")
        .write().format("delta").mode("append").option("mergeSchema", "true").save(merged); // version 2

    deleted = dir.resolve("deleted").toString();
    spark.sql("CREATE TABLE delta.`" + deleted + "` (id_client STRING, class_0 DOUBLE, class_1 DOUBLE) USING delta"
        + " TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')");
    spark.range(0, 2000).selectExpr("concat('id', id) AS id_client", "(id % 100) / 100.0D AS class_0",
        "1 - (id % 100) / 100.0D AS class_1").repartition(2)
        .write().format("delta").mode("append").save(deleted); // version 1: two files
    spark.sql("DELETE FROM delta.`" + deleted + "` WHERE id_client LIKE 'id1%'"); // 2: deletion vectors
    spark.sql("UPDATE delta.`" + deleted + "` SET class_0 = 0.5, class_1 = 0.5 WHERE id_client LIKE 'id2%'"); // 3
    spark.sql("MERGE INTO delta.`" + deleted + "` t USING (SELECT 'id30' AS id_client, 0.25D AS class_0,"
        + " 0.75D AS class_1 UNION ALL SELECT 'new', 0.0D, 1.0D) s ON t.id_client = s.id_client"
        + " WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"); // 4

    widened = dir.resolve("widened").toString();
    spark.sql("CREATE TABLE delta.`" + widened + "` (id_client STRING, class_0 SMALLINT, class_1 DOUBLE) USING delta"
        + " TBLPROPERTIES ('delta.enableTypeWidening' = 'true')");
    spark.sql("INSERT INTO delta.`" + widened + "` VALUES ('a', 7, 0.5)"); // 1
    spark.sql("ALTER TABLE delta.`" + widened + "` CHANGE COLUMN class_0 TYPE INT"); // 2
    spark.sql("INSERT INTO delta.`" + widened + "` VALUES ('b', 70000, 0.25)"); // 3
  }

  /**
   * Version 1: a, b with class_0..2. 2: class_1 renamed class_7. 3: class_2 dropped. 4: class_2 added
   * again. 5: c inserted. 6: class_0 renamed class_1 (the name class_7's column once had).
   */
  private static String evolve(String name, String mode) {
    String table = dir.resolve(name).toString();
    spark.sql("CREATE TABLE delta.`" + table + "` (id_client STRING, class_0 DOUBLE, class_1 DOUBLE, class_2 DOUBLE)"
        + " USING delta TBLPROPERTIES ('delta.columnMapping.mode' = '" + mode + "',"
        + " 'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')");
    spark.sql("INSERT INTO delta.`" + table + "` VALUES ('a', 0.1, 0.2, 0.7), ('b', 0.3, 0.3, 0.4)");
    spark.sql("ALTER TABLE delta.`" + table + "` RENAME COLUMN class_1 TO class_7");
    spark.sql("ALTER TABLE delta.`" + table + "` DROP COLUMN class_2");
    spark.sql("ALTER TABLE delta.`" + table + "` ADD COLUMNS (class_2 DOUBLE)");
    spark.sql("INSERT INTO delta.`" + table + "` VALUES ('c', 0.5, 0.25, 0.25)");
    spark.sql("ALTER TABLE delta.`" + table + "` RENAME COLUMN class_0 TO class_1");
    return table;
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void columnMappingByNameIsReadAsSparkReadsEveryVersion() {
    for (long version : new long[] {1, 3, 5}) { // before; renamed and dropped; added again and inserted
      assertPublishedAsSparkReads(byName, version);
    }
    FilesSinkRun latest = assertPublishedAsSparkReads(byName, 6);
    assertEquals(List.of("c"), List.copyOf(latest.predictions().keySet()), "a and b predate class_2 re-added");
    assertEquals(0.25, latest.predictions().get("c").get("class_7").doubleValue());
    assertEquals(0.5, latest.predictions().get("c").get("class_1").doubleValue());
  }

  @Test
  void columnMappingByIdIsReadAsSparkReadsEveryVersion() {
    assertPublishedAsSparkReads(byId, 6);
    assertEquals(0.2, assertPublishedAsSparkReads(byId, 3).predictions().get("a").get("class_7").doubleValue());
  }

  @Test
  void aColumnAddedByMergeSchemaIsNullInOlderFiles() {
    assertPublishedAsSparkReads(merged, 1);
    FilesSinkRun run = assertPublishedAsSparkReads(merged, 2);
    assertEquals(List.of("c"), List.copyOf(run.predictions().keySet()));
    assertEquals(Map.of("class_2", 1), run.plan().input().absentColumns());
  }

  @Test
  void rowsDeletedByDeletionVectorsAreLeftOutAtEveryVersion() {
    for (long version : new long[] {2, 3}) { // deleted; updated
      assertPublishedAsSparkReads(deleted, version);
    }
    FilesSinkRun latest = assertPublishedAsSparkReads(deleted, 4);
    assertTrue(latest.plan().input().deletedRows() > 0, "deletion vectors, not rewritten files");
    assertEquals(0.25, latest.predictions().get("id30").get("class_0").doubleValue());
  }

  @Test
  void aColumnWidenedByTypeWideningReadsAsTheTablesType() {
    FilesSinkRun run = assertPublishedAsSparkReads(widened, 3);
    assertEquals(7, run.predictions().get("a").get("class_0").intValue(), "written as a short");
    assertEquals(70000, run.predictions().get("b").get("class_0").intValue());
  }

  /**
   * Publishes the version and compares it with Spark's read of it: every row whose class values are
   * all present is published with exactly those values under exactly those names, every other row
   * is a dead letter, and the counts reconcile.
   */
  private static FilesSinkRun assertPublishedAsSparkReads(String table, long version) {
    var frame = spark.read().format("delta").option("versionAsOf", version).load(table);
    List<String> classes = new ArrayList<>();
    for (StructField field : frame.schema().fields()) {
      if (CLASS.matcher(field.name()).matches()) {
        classes.add(field.name());
      }
    }
    Map<String, Row> publishable = new TreeMap<>();
    int unpublishable = 0;
    for (Row row : frame.collectAsList()) {
      if (classes.stream().allMatch(c -> !row.isNullAt(row.fieldIndex(c)))) {
        publishable.put(row.getString(row.fieldIndex("id_client")), row);
      } else {
        unpublishable++;
      }
    }
    String where = table + " version " + version;
    FilesSinkRun run = FilesSinkRun.publish(dir, table, "--tableVersion=" + version);
    assertEquals(publishable.keySet(), run.predictions().keySet(), where);
    assertEquals(unpublishable, run.summary().deadLettered(), where);
    for (Map.Entry<String, Row> expected : publishable.entrySet()) {
      JsonNode published = run.predictions().get(expected.getKey());
      TreeSet<String> names = new TreeSet<>();
      published.fieldNames().forEachRemaining(names::add);
      TreeSet<String> expectedNames = new TreeSet<>(classes);
      expectedNames.add("id_client");
      assertEquals(expectedNames, names, expected.getKey() + " at " + where);
      for (String column : classes) {
        Object value = expected.getValue().get(expected.getValue().fieldIndex(column));
        double published0 = published.get(column).doubleValue();
        if (value instanceof BigDecimal decimal) {
          assertEquals(0, decimal.compareTo(published.get(column).decimalValue()), column + " at " + where);
        } else {
          assertEquals(((Number) value).doubleValue(), published0, expected.getKey() + "." + column + " at " + where);
        }
      }
    }
    assertTrue(run.summary().reconciles(), run.summary().toString());
    return run;
  }
}
