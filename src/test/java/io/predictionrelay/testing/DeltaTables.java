package io.predictionrelay.testing;

import org.apache.spark.sql.SparkSession;

/** Delta tables written by Delta's own Spark writer, for the tests that read them. */
public final class DeltaTables {
  private DeltaTables() {}

  /** A local Spark session with Delta's SQL extension; stop it when the tables are written. */
  public static SparkSession session(String appName) {
    return SparkSession.builder().master("local[1]").appName(appName)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .getOrCreate();
  }

  /**
   * Versions 1 to 4 of a table whose directory keeps files that are no longer part of it: a–b
   * (1), overwritten by c–d (2), e appended (3), d deleted, rewriting c's file (4); its snapshot
   * is {c, e}. A checkpoint every 2 commits, so readers go through a Parquet checkpoint too.
   */
  public static void writeOverwritten(SparkSession spark, String table) {
    spark.sql("CREATE TABLE delta.`" + table + "` (id_client STRING, class_0 DOUBLE, class_1 DOUBLE)"
        + " USING delta TBLPROPERTIES ('delta.checkpointInterval' = '2', 'delta.enableDeletionVectors' = 'false')");
    spark.sql("INSERT INTO delta.`" + table + "` VALUES ('a', 0.1, 0.9), ('b', 0.2, 0.8)");
    spark.sql("INSERT OVERWRITE delta.`" + table + "` VALUES ('c', 0.3, 0.7), ('d', 0.4, 0.6)");
    spark.sql("INSERT INTO delta.`" + table + "` VALUES ('e', 0.5, 0.5)");
    spark.sql("DELETE FROM delta.`" + table + "` WHERE id_client = 'd'");
  }
}
