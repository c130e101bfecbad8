package io.predictionrelay.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The Delta tables of {@link IncrementalBench}, written and changed by Delta's own Spark writer as
 * a daily scoring job would change them, each step in a JVM of its own so that the bench measures
 * it as it measures a run.
 *
 * <pre>
 * SparkDeltaTable write PARQUET_DIR TABLE CHANGE_DATA_FEED
 *     version 0 from the bench's data (deletion vectors on; the change data feed on or off)
 * SparkDeltaTable update TABLE OUT_DIR
 *     the change: an UPDATE of 5% of the ids; OUT_DIR/changed-ids.txt (sorted) and OUT_DIR/update.json
 *     (the version written and the UPDATE's operationMetrics)
 * </pre>
 */
public final class SparkDeltaTable {
  /**
   * 5% of the ids, by Spark's own hash of the id, so that every file holds some of them: the
   * update touches every file, as a daily rescoring of a random 5% of clients would.
   */
  static final String CHANGED = "pmod(hash(id_client), 20) = 0";
  /** One class value changed, and always to another value (class values are in [0, 1]). */
  static final String SET = "class_0 = class_0 + 1";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SparkDeltaTable() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = SparkSession.builder()
        .appName("bench-delta-table")
        .master("local[*]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .getOrCreate();
    try {
      switch (args[0]) {
        case "write" -> write(spark, args[1], args[2], Boolean.parseBoolean(args[3]));
        case "update" -> update(spark, args[1], Path.of(args[2]));
        default -> throw new IllegalArgumentException("usage: SparkDeltaTable write|update ..., got " + args[0]);
      }
    } finally {
      spark.stop();
    }
  }

  private static void write(SparkSession spark, String parquet, String table, boolean changeDataFeed)
      throws IOException {
    deleteRecursively(Path.of(table)); // a write that stopped before its commit
    spark.sql("CREATE TABLE " + ref(table) + " USING delta TBLPROPERTIES ("
        + "'delta.enableChangeDataFeed' = '" + changeDataFeed + "', 'delta.enableDeletionVectors' = 'true')"
        + " AS SELECT * FROM parquet.`" + parquet + "`");
    System.out.println("wrote version 0 of " + table + " from " + parquet);
  }

  private static void update(SparkSession spark, String table, Path out) throws IOException {
    spark.sql("UPDATE " + ref(table) + " SET " + SET + " WHERE " + CHANGED);
    Row last = spark.sql("DESCRIBE HISTORY " + ref(table) + " LIMIT 1").first();
    Map<String, String> metrics = last.getJavaMap(last.fieldIndex("operationMetrics"));
    List<String> ids = new ArrayList<>(spark.sql("SELECT id_client FROM " + ref(table) + " WHERE " + CHANGED)
        .as(Encoders.STRING()).collectAsList());
    long updated = Long.parseLong(metrics.get("numUpdatedRows"));
    if (ids.size() != updated) {
      throw new IllegalStateException("the UPDATE reports " + updated + " rows updated, " + ids.size()
          + " rows match " + CHANGED);
    }
    Collections.sort(ids);
    Files.createDirectories(out);
    Files.write(out.resolve("changed-ids.txt"), ids);
    Map<String, Object> update = new LinkedHashMap<>();
    update.put("version", last.getLong(last.fieldIndex("version")));
    update.put("operation", "UPDATE " + table + " SET " + SET + " WHERE " + CHANGED);
    update.put("operationMetrics", metrics);
    JSON.writeValue(out.resolve("update.json").toFile(), update);
    System.out.println("updated " + updated + " rows of " + table + ": " + metrics);
  }

  private static String ref(String table) {
    return "delta.`" + table + "`";
  }

  /** Deletes a directory and everything under it; nothing when it is not there. */
  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
