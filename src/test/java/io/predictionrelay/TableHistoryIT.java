package io.predictionrelay;

import static io.predictionrelay.testing.Runs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.DeltaTables;
import io.predictionrelay.testing.IcebergTables;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.Runs;
import io.predictionrelay.verify.VerifyOptions;
import io.predictionrelay.verify.VerifyReport;
import io.predictionrelay.verify.VerifyTopic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables with a history, each written by its format's own writer, published through a real broker
 * (the Delta table on the Spark runner, the Iceberg table on the Direct runner) and verified by the
 * verifier from the same snapshot: every prediction
 * arrives, under its column's name, with the value the table holds; the rows the table deletes and
 * the rows whose class column the file predates are accounted for, and the counts reconcile.
 */
class TableHistoryIT {
  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir static Path dir;
  private static String delta;
  private static Table iceberg;

  @BeforeAll
  static void writeTables() throws Exception {
    // Delta: column mapping by name; a class column renamed, one dropped and added again; rows
    // deleted by a deletion vector and updated (deletion vector plus a new file).
    SparkSession spark = DeltaTables.session("TableHistoryIT");
    try {
      delta = dir.resolve("delta").toString();
      spark.sql("CREATE TABLE delta.`" + delta + "` (id_client STRING, class_0 DOUBLE, class_1 DOUBLE, class_2 DOUBLE)"
          + " USING delta TBLPROPERTIES ('delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '2',"
          + " 'delta.minWriterVersion' = '5', 'delta.enableDeletionVectors' = 'true')");
      spark.range(0, 1000).selectExpr("concat('d', id) AS id_client", "(id % 10) / 10.0D AS class_0",
          "(id % 7) / 7.0D AS class_1", "0.5D AS class_2").repartition(2).write().format("delta").mode("append")
          .save(delta);
      spark.sql("ALTER TABLE delta.`" + delta + "` RENAME COLUMN class_1 TO class_3");
      spark.sql("ALTER TABLE delta.`" + delta + "` DROP COLUMN class_2");
      spark.sql("ALTER TABLE delta.`" + delta + "` ADD COLUMNS (class_2 DOUBLE)");
      spark.sql("UPDATE delta.`" + delta + "` SET class_2 = 0.25 WHERE id_client LIKE 'd1%'");
      spark.sql("DELETE FROM delta.`" + delta + "` WHERE id_client LIKE 'd2%'");
    } finally {
      spark.stop();
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
    }

    // Iceberg: a class column dropped and added again, a rename, position and equality deletes.
    iceberg = IcebergTables.create(dir.resolve("iceberg"), new Schema(
        Types.NestedField.optional(1, "id_client", Types.StringType.get()),
        Types.NestedField.optional(2, "class_0", Types.DoubleType.get()),
        Types.NestedField.optional(3, "class_1", Types.DoubleType.get())));
    DataFile first = IcebergTables.append(iceberg, rows("i", 0, 500));
    iceberg.updateSchema().deleteColumn("class_1").commit();
    iceberg.updateSchema().addColumn("class_1", Types.DoubleType.get()).commit();
    iceberg.updateSchema().renameColumn("class_0", "class_4").commit();
    IcebergTables.append(iceberg, rows("j", 0, 500));
    IcebergTables.deletePositions(iceberg, first, 0, 1, 2);
    IcebergTables.deleteEqual(iceberg, "id_client", "j0", "j1");
  }

  private static Object[][] rows(String prefix, int from, int to) {
    List<Object[]> rows = new ArrayList<>();
    for (int i = from; i < to; i++) {
      rows.add(new Object[] {prefix + i, (i % 10) / 10.0, (i % 3) / 3.0});
    }
    return rows.toArray(Object[][]::new);
  }

  @Test
  void aDeltaTableWithColumnMappingAndDeletionVectorsArrivesWhole() throws Exception {
    // 1,000 rows less d2, d20..d29, d200..d299 (111 deleted); rows updated after class_2 was added
    // again (d1, d10..d19, d100..d199: 111) carry it; the rest predate it: dead letters.
    VerifyReport report = publishAndVerify(delta, "delta-history", 111, 1000 - 111 - 111,
        "--runner=SparkRunner", "--sparkMaster=local[2]");
    assertEquals(1000 - 111, report.inputRows());
  }

  @Test
  void anIcebergTableWithAReAddedColumnAndDeletesArrivesWhole() throws Exception {
    // The first file predates class_1 re-added: its 497 rows left are dead letters; the second
    // file's 498 rows left are published.
    VerifyReport report = publishAndVerify(iceberg.location(), "iceberg-history", 498, 497, "--runner=DirectRunner");
    assertEquals(995, report.inputRows());
  }

  private static VerifyReport publishAndVerify(String table, String topic, long published, long deadLetters,
      String... runner) throws Exception {
    String[] input = {"--input=" + table, "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=" + topic};
    String[] run = Runs.concat(input, "--deadLetterDir=" + dir.resolve(topic + "-dead"),
        "--reportDir=" + dir.resolve("reports"));
    RunSummary summary = PublishPredictions.run(options(Runs.concat(run, runner)));
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(published, summary.predictions(), summary.toString());
    assertEquals(deadLetters, summary.deadLettered(), summary.toString());
    VerifyReport report = VerifyTopic.of(PipelineOptionsFactory.fromArgs(input).as(VerifyOptions.class)).verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(published, report.received());
    assertEquals(deadLetters, report.expectedDeadLetters());
    assertEquals(0, report.missing() + report.mismatched() + report.unexpected());
    return report;
  }
}
