package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.TableColumns;
import io.predictionrelay.input.TableSnapshot;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.testing.DeltaTables;
import io.predictionrelay.testing.FilesSinkRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delta tables written by Delta's own Spark writer are published exactly as their snapshot holds
 * them: nothing from files an overwrite or a delete removed, partition values typed by the table's
 * schema, the version asked for, and rows a deletion vector deletes left out. The tables are written
 * once, by one Spark session, for the whole class.
 */
class DeltaTableTest {
  @TempDir static Path dir;
  private static String overwritten;
  private static String partitioned;
  private static String deletionVectors;

  @BeforeAll
  static void writeTables() {
    SparkSession spark = DeltaTables.session("DeltaTableTest");
    try {
      overwritten = dir.resolve("overwritten").toString();
      DeltaTables.writeOverwritten(spark, overwritten); // {c, e}: a, b and d are in files no longer part of it

      partitioned = dir.resolve("partitioned").toString();
      spark.sql("CREATE TABLE delta.`" + partitioned + "` (id_client STRING, class_0 DOUBLE, dt DATE, shard STRING,"
          + " bucket INT) USING delta PARTITIONED BY (dt, shard, bucket)");
      spark.sql("INSERT INTO delta.`" + partitioned + "` VALUES ('a', 0.1, DATE'2026-11-18', '007', 7),"
          + " ('b', 0.2, DATE'2026-11-19', '008', NULL)");

      deletionVectors = dir.resolve("dv").toString();
      spark.sql("CREATE TABLE delta.`" + deletionVectors + "` (id_client STRING, class_0 DOUBLE, class_1 DOUBLE)"
          + " USING delta TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')");
      spark.sql("INSERT INTO delta.`" + deletionVectors + "` VALUES ('a', 0.1, 0.9), ('b', 0.2, 0.8), ('c', 0.3, 0.7)");
      spark.sql("DELETE FROM delta.`" + deletionVectors + "` WHERE id_client = 'b'"); // version 2: a deletion vector
    } finally {
      spark.stop();
    }
  }

  @AfterAll
  static void clearSparkSession() {
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  @Test
  void publishesTheLatestSnapshotOnlyNotTheFilesItRemoved() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(overwritten))) {
      assertTrue(files.filter(p -> p.toString().endsWith(".parquet")).count() >= 4, "removed files are still there");
    }
    FilesSinkRun run = FilesSinkRun.publish(dir, overwritten);
    assertEquals(Set.of("c", "e"), run.predictions().keySet());
    assertEquals(0.3, run.predictions().get("c").get("class_0").doubleValue());
    assertEquals(0.7, run.predictions().get("c").get("class_1").doubleValue());
    assertEquals(2, run.summary().rowsRead());
    assertEquals(2, run.plan().input().totalRows());
    assertEquals("Delta table " + overwritten + " version 4", run.plan().input().snapshot());
    assertTrue(run.summary().reconciles(), run.summary().toString());
  }

  @Test
  void aVersionPublishesThatSnapshot() {
    assertEquals(Set.of("a", "b"), FilesSinkRun.publish(dir, overwritten, "--tableVersion=1").predictions().keySet());
    assertEquals(Set.of("c", "d"), FilesSinkRun.publish(dir, overwritten, "--tableVersion=2").predictions().keySet());
    assertEquals(Set.of("c", "d", "e"),
        FilesSinkRun.publish(dir, overwritten, "--tableVersion=3").predictions().keySet());
  }

  @Test
  void partitionValuesArePublishedTypedByTheTableSchema() {
    FilesSinkRun run = FilesSinkRun.publish(dir, partitioned, "--extraColumns=dt,shard,bucket");
    assertEquals(Set.of("a", "b"), run.predictions().keySet());
    assertEquals("{\"id_client\":\"a\",\"dt\":\"2026-11-18\",\"shard\":\"007\",\"bucket\":7,\"class_0\":0.1}",
        run.predictions().get("a").toString());
    // A string column of digits stays a string; a null partition value is left out, as to_json does.
    assertEquals("{\"id_client\":\"b\",\"dt\":\"2026-11-19\",\"shard\":\"008\",\"class_0\":0.2}",
        run.predictions().get("b").toString());
  }

  @Test
  void rowsDeletedByADeletionVectorAreNotPublished() {
    FilesSinkRun run = FilesSinkRun.publish(dir, deletionVectors);
    assertEquals(Set.of("a", "c"), run.predictions().keySet());
    assertEquals(1, run.plan().input().deletedRows());
    assertEquals(2, run.plan().input().totalRows());
    assertTrue(run.summary().reconciles(), run.summary().toString());
    // The version before the delete has none.
    assertEquals(Set.of("a", "b", "c"),
        FilesSinkRun.publish(dir, deletionVectors, "--tableVersion=1").predictions().keySet());
  }

  @Test
  void aVersionTheTableDoesNotHaveIsOneLine() {
    String message = error(overwritten, new TableSnapshot.At(99L, null));
    assertTrue(message.contains(overwritten) && message.contains("99"), message);
  }

  @Test
  void theEmptyFirstVersionHasNoDataFiles() {
    assertTrue(error(overwritten, new TableSnapshot.At(0L, null)).contains("no data files"));
  }

  private static String error(String input, TableSnapshot.At at) {
    LaunchException e = assertThrows(LaunchException.class,
        () -> ParquetInput.describe(input, TableColumns.CLASSIC, at));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    return e.getMessage();
  }
}
