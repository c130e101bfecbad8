package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.input.ChangeFeed;
import io.predictionrelay.input.SnapshotChanges;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.run.ChangesSince;
import io.predictionrelay.run.RunPlan;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.DeltaTables;
import io.predictionrelay.testing.IcebergTables;
import io.predictionrelay.testing.ParquetFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Incremental runs ({@code --changesSince}) over tables written by the formats' own writers, on the
 * Direct runner with the files sink: a consumer that applies a full run and then the incremental
 * runs in order (the latest prediction per id, less the ids listed as deleted) holds, id by id, what
 * a full run of the latest snapshot publishes; and an incremental run publishes exactly the ids new
 * or changed, nothing unchanged.
 */
class IncrementalRunsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** One Spark session for every Delta table of the class: starting one takes seconds. */
  private static SparkSession spark;

  private static SparkSession spark() {
    if (spark == null) {
      spark = DeltaTables.session("IncrementalRunsTest");
    }
    return spark;
  }

  @AfterAll
  static void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }

  /** One run to the files sink: its messages by key, its predictions by id, the ids it lists as deleted. */
  record Run(RunPlan plan, RunSummary summary, Map<String, String> messages, Map<String, JsonNode> predictions,
      Set<String> deleted) {
    String runId() {
      return plan.identity().runId();
    }
  }

  private Run run(Path reports, String input, String... more) throws IOException {
    Path out = dir.resolve("out-" + System.nanoTime());
    List<String> args = new ArrayList<>(List.of("--input=" + input, "--sink=files",
        "--outputDir=" + out.resolve("messages"), "--deadLetterDir=" + out.resolve("dead"),
        "--reportDir=" + reports, "--numBuckets=3"));
    args.addAll(List.of(more));
    PublishOptions options = PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(PublishOptions.class);
    RunPlan plan = PublishPredictions.prepare(options);
    RunSummary summary = PublishPredictions.run(plan);
    assertTrue(summary.reconciles(), summary.toString());
    Map<String, String> messages = new TreeMap<>();
    Map<String, JsonNode> predictions = new TreeMap<>();
    for (Path file : list(out.resolve("messages"), ".jsonl")) {
      for (String line : Files.readAllLines(file)) {
        JsonNode message = JSON.readTree(line);
        messages.put(message.get("key").asText(), message.get("value").toString());
        for (JsonNode prediction : message.get("value")) {
          if (predictions.put(prediction.get("id_client").asText(), prediction) != null) {
            throw new AssertionError("published twice: " + prediction);
          }
        }
      }
    }
    Set<String> deleted = new TreeSet<>();
    for (Path file : list(Path.of(ChangesSince.deletedIdsDir(options, plan.identity().runId())), ".txt")) {
      deleted.addAll(Files.readAllLines(file));
    }
    return new Run(plan, summary, messages, predictions, deleted);
  }

  private static List<Path> list(Path directory, String suffix) throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  /** What a consumer holds after applying {@code runs} in order: the latest prediction per id, deletes applied. */
  private static Map<String, JsonNode> consumerState(Run... runs) {
    Map<String, JsonNode> state = new TreeMap<>();
    for (Run run : runs) {
      state.putAll(run.predictions());
      run.deleted().forEach(state::remove);
    }
    return state;
  }

  /** The ids a full run of {@code after} publishes that a full run of {@code before} did not publish so. */
  private static Set<String> newOrChanged(Run before, Run after) {
    Set<String> ids = new TreeSet<>();
    after.predictions().forEach((id, prediction) -> {
      if (!prediction.equals(before.predictions().get(id))) {
        ids.add(id);
      }
    });
    return ids;
  }

  private static Set<String> gone(Run before, Run after) {
    Set<String> ids = new TreeSet<>(before.predictions().keySet());
    ids.removeAll(after.predictions().keySet());
    return ids;
  }

  /** The consumer's state equals a full run of the snapshot now, and the incremental run sent only what changed. */
  private static void assertIncremental(Run fullBefore, Run changes, Run fullAfter, Run... applied) {
    assertEquals(newOrChanged(fullBefore, fullAfter), changes.predictions().keySet(), "published: new or changed ids");
    assertEquals(gone(fullBefore, fullAfter), changes.deleted(), "listed as deleted");
    assertEquals(fullAfter.predictions(), consumerState(applied), "the consumer's state");
    String prefix = ChangesSince.keyPrefix(changes.plan());
    assertTrue(prefix.matches("c[0-9a-f]{12}-"), prefix);
    assertTrue(changes.messages().keySet().stream().allMatch(k -> k.startsWith(prefix)),
        changes.messages().keySet().toString());
  }

  private static List<Map<String, Object>> rows(String prefix, int from, int to, double shift) {
    return IntStream.range(from, to).mapToObj(i -> ParquetFixtures.row(prefix + i, (i % 10) / 10.0 + shift,
        1 - (i % 10) / 10.0)).toList();
  }

  @Test
  void hiveDirectoryGainingAPartitionPublishesItsRowsOnlyAndTheSameRunTwiceSendsTheSameMessages() throws IOException {
    Path table = dir.resolve("hive");
    Path reports = dir.resolve("reports");
    org.apache.avro.Schema schema = ParquetFixtures.predictionSchema(2);
    Files.createDirectories(table.resolve("day=1"));
    ParquetFixtures.write(table.resolve("day=1/part-0.parquet"), schema, rows("a", 0, 50, 0));
    Run full = run(reports, table.toString());
    assertEquals(50, full.predictions().size());

    Files.createDirectories(table.resolve("day=2"));
    ParquetFixtures.write(table.resolve("day=2/part-0.parquet"), schema, rows("b", 0, 30, 0));
    Run changes = run(reports, table.toString(), "--changesSince=last");
    Run fullAfter = run(dir.resolve("other-reports"), table.toString());
    assertIncremental(full, changes, fullAfter, full, changes);
    assertEquals(30, changes.predictions().size());
    var counts = changes.plan().changes().orElseThrow().changes();
    assertEquals(1, counts.filesUnchanged());
    assertEquals(50, counts.rowsUnchanged());
    assertEquals(50, changes.summary().rowsSkipped());
    assertEquals(30, changes.summary().rowsRead());

    Run again = run(reports, table.toString(), "--changesSince=" + full.runId());
    assertEquals(changes.messages(), again.messages(), "the same changes: the same messages under the same keys");
    Run sinceChanges = run(reports, table.toString(), "--changesSince=last");
    assertEquals(Map.of(), sinceChanges.messages(), "nothing changed since the last run");
    assertEquals(0, sinceChanges.summary().rowsRead());
  }

  @Test
  void plainFileReplacedInPlaceIsPublishedWhole() throws IOException {
    Path table = dir.resolve("plain");
    Path reports = dir.resolve("reports");
    org.apache.avro.Schema schema = ParquetFixtures.predictionSchema(2);
    Files.createDirectories(table);
    ParquetFixtures.write(table.resolve("a.parquet"), schema, rows("a", 0, 20, 0));
    ParquetFixtures.write(table.resolve("b.parquet"), schema, rows("b", 0, 20, 0));
    Run full = run(reports, table.toString());

    Path b = ParquetFixtures.write(table.resolve("b.parquet"), schema, rows("b", 0, 20, 0.05));
    Files.setLastModifiedTime(b, FileTime.fromMillis(Files.getLastModifiedTime(b).toMillis() + 60_000));
    Run changes = run(reports, table.toString(), "--changesSince=last");
    Run fullAfter = run(dir.resolve("other-reports"), table.toString());
    assertIncremental(full, changes, fullAfter, full, changes);
    assertEquals(List.of(b.toString()), changes.plan().changes().orElseThrow().changes().filesReplacedInPlace());
    assertTrue(changes.summary().toString().contains("replaced in place       1 files, published whole"),
        changes.summary().toString());
  }

  @Test
  void deltaTablesWithAndWithoutDeletionVectors() throws IOException {
    SparkSession spark = spark();
    for (String dv : List.of("false", "true")) {
      String table = dir.resolve("delta-dv-" + dv).toString();
      Path reports = dir.resolve("reports-" + dv);
      spark.sql("CREATE TABLE delta.`" + table + "` (id_client STRING, class_0 DOUBLE, class_1 DOUBLE) USING delta"
          + " TBLPROPERTIES ('delta.enableDeletionVectors' = '" + dv + "')");
      spark.range(0, 300).selectExpr("concat('id', id) AS id_client", "(id % 100) / 100.0D AS class_0",
          "1 - (id % 100) / 100.0D AS class_1").repartition(3).write().format("delta").mode("append").save(table);
      Run full = run(reports, table);
      assertEquals(300, full.predictions().size());

      spark.range(300, 310).selectExpr("concat('id', id) AS id_client", "0.1D AS class_0", "0.9D AS class_1")
          .write().format("delta").mode("append").save(table); // pure append
      Run appended = run(reports, table, "--changesSince=last");
      assertEquals(10, appended.predictions().size());
      assertEquals(false, appended.plan().changes().orElseThrow().changes().comparesById());
      assertEquals(300, appended.summary().rowsSkipped());

      spark.sql("UPDATE delta.`" + table + "` SET class_0 = 0.5, class_1 = 0.5 WHERE id_client LIKE 'id1%'");
      spark.sql("DELETE FROM delta.`" + table + "` WHERE id_client LIKE 'id2%'");
      spark.sql("INSERT INTO delta.`" + table + "` VALUES ('new1', 0.3, 0.7), ('new2', 0.4, 0.6)");
      Run changes = run(reports, table, "--changesSince=last");
      Run fullAfter = run(dir.resolve("other-" + dv), table);
      Run fullAppended = run(dir.resolve("other-appended-" + dv), table, "--tableVersion=2");
      assertIncremental(fullAppended, changes, fullAfter, full, appended, changes);
      SnapshotChanges found = changes.plan().changes().orElseThrow().changes();
      assertTrue(found.comparesById());
      assertEquals("the change data feed (delta.enableChangeDataFeed) is off at version 3",
          found.changeFeedUnavailable());
      assertTrue(changes.summary().toString().contains("changes found by        files compared by id (not the change"
          + " data feed: the change data feed (delta.enableChangeDataFeed) is off at version 3)"),
          changes.summary().toString());
      assertEquals(gone(fullAppended, fullAfter).size(), changes.summary().idsDeleted());
      assertEquals(111, changes.deleted().size()); // id2, id20..id29, id200..id299
    }
  }

  /**
   * With Delta's change data feed on, an incremental run reads the commits' change data files (and
   * the files of commits without), never the files of the snapshot nor those the commits rewrote:
   * an UPDATE and a DELETE of 10 ids each spread over every file, an INSERT, a MERGE that updates
   * one id and inserts another, and an OPTIMIZE that rewrites everything, read as their 35 change
   * rows. With deletion vectors, the DELETE writes no change data files: its files are read at the
   * 10 rows its vectors newly delete only; that table also maps its columns by name and is
   * partitioned, its partition column published: change data files are read as data files are.
   */
  @Test
  void deltaChangeDataFeedIsReadInsteadOfTheRewrittenFiles() throws IOException {
    SparkSession spark = spark();
    for (String dv : List.of("false", "true")) {
      boolean mapped = dv.equals("true");
      String table = dir.resolve("cdf-dv-" + dv).toString();
      Path reports = dir.resolve("cdf-reports-" + dv);
      String extra = mapped ? "--extraColumns=part" : "--extraColumns=";
      String part = mapped ? ", 'p0'" : "";
      spark.sql("CREATE TABLE delta.`" + table + "` (id_client STRING, class_0 DOUBLE, class_1 DOUBLE"
          + (mapped ? ", part STRING) USING delta PARTITIONED BY (part)" : ") USING delta")
          + " TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true', 'delta.enableDeletionVectors' = '" + dv + "'"
          + (mapped ? ", 'delta.columnMapping.mode' = 'name')" : ")"));
      spark.range(0, 300).selectExpr("concat('id', id) AS id_client", "(id % 100) / 100.0D AS class_0",
          "1 - (id % 100) / 100.0D AS class_1", "concat('p', id % 2) AS part").selectExpr(mapped
              ? new String[] {"*"} : new String[] {"id_client", "class_0", "class_1"})
          .repartition(3).write().format("delta").mode("append").save(table);
      Run full = run(reports, table, extra);

      String delta = "delta.`" + table + "`";
      spark.sql("UPDATE " + delta + " SET class_0 = 0.5, class_1 = 0.5 WHERE id_client LIKE 'id1_'");
      spark.sql("DELETE FROM " + delta + " WHERE id_client LIKE 'id2_'");
      spark.sql("INSERT INTO " + delta + " VALUES ('new1', 0.3, 0.7" + part + "), ('new2', 0.4, 0.6" + part + ")");
      spark.sql("MERGE INTO " + delta + " t USING (SELECT 'id5' AS id_client, 0.11D AS class_0, 0.89D AS class_1"
          + (mapped ? ", 'p1' AS part" : "") + " UNION ALL SELECT 'new3', 0.2D, 0.8D" + part + ") s"
          + " ON t.id_client = s.id_client WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *");
      spark.sql("OPTIMIZE " + delta);
      Run changes = run(reports, table, extra, "--changesSince=last");
      Run fullAfter = run(dir.resolve("cdf-other-" + dv), table, extra);
      if (mapped) {
        assertEquals("\"p1\"", fullAfter.predictions().get("id5").get("part").toString());
      }

      assertIncremental(full, changes, fullAfter, full, changes);
      Set<String> updatedOrInserted = new TreeSet<>(Set.of("id5", "new1", "new2", "new3"));
      IntStream.range(10, 20).forEach(i -> updatedOrInserted.add("id" + i));
      assertEquals(updatedOrInserted, changes.predictions().keySet(), "dv " + dv);
      assertEquals(IntStream.range(20, 30).mapToObj(i -> "id" + i).collect(Collectors.toCollection(TreeSet::new)),
          changes.deleted(), "dv " + dv);

      SnapshotChanges found = changes.plan().changes().orElseThrow().changes();
      ChangeFeed feed = found.changeFeed().orElseThrow();
      assertEquals("change data feed", found.method());
      assertEquals(5, feed.commits());
      assertEquals(1, feed.commitsWithoutDataChange()); // the OPTIMIZE
      // 10 update pre- and post-images, 10 deletes, 2 inserts, the MERGE's pre- and post-image and insert:
      // the rows Delta's own change data reader returns; the table has 292.
      assertEquals(35, feed.rows(), "dv " + dv);
      assertEquals(35, changes.summary().rowsRead(), "dv " + dv);
      assertEquals(11, changes.summary().updatePreimages());
      assertEquals(10, changes.summary().changeDeletes());
      assertEquals(1, feed.files(ChangeFeed.Source.ADDED)); // the INSERT's file
      assertEquals(2, feed.rows(ChangeFeed.Source.ADDED));
      assertEquals(dv.equals("true") ? 10 : 0, feed.rows(ChangeFeed.Source.REMOVED), "dv " + dv);
      assertEquals(fullAfter.plan().input().totalRows(), found.rowsUnchanged(), "no row of the snapshot now is read");
      assertTrue(changes.summary().toString().contains("changes found by        change data feed\n"),
          changes.summary().toString());
      if (dv.equals("true")) {
        Run again = run(reports, table, extra, "--changesSince=" + full.runId());
        assertEquals(changes.messages(), again.messages(), "the same changes: the same messages under the same keys");
      }
    }
  }

  @Test
  void icebergAppendsThenDeletesAndAnOverwrite() throws IOException {
    Schema schema = new Schema(Types.NestedField.optional(1, "id_client", Types.StringType.get()),
        Types.NestedField.optional(2, "class_0", Types.DoubleType.get()),
        Types.NestedField.optional(3, "class_1", Types.DoubleType.get()));
    Path location = dir.resolve("iceberg");
    Path reports = dir.resolve("reports");
    Table table = IcebergTables.create(location, schema);
    DataFile first = IcebergTables.append(table, rowsOf(0, 40, 0));
    Run full = run(reports, location.toString());

    DataFile second = IcebergTables.append(table, rowsOf(40, 60, 0));
    Run appended = run(reports, location.toString(), "--changesSince=last");
    assertEquals(20, appended.predictions().size());
    assertEquals(40, appended.summary().rowsSkipped());

    table.refresh();
    IcebergTables.deletePositions(table, first, 0, 1, 2); // id0, id1, id2 deleted
    table.refresh();
    DataFile rewritten = IcebergTables.write(table, rowsOf(40, 60, 0.25)); // id40..59 changed, and two new
    table.newOverwrite().deleteFile(second).addFile(rewritten).commit();
    table.refresh();
    IcebergTables.append(table, new Object[] {"id99", 0.5, 0.5});
    Run changes = run(reports, location.toString(), "--changesSince=last");
    Run fullAppended = run(dir.resolve("other-appended"), location.toString(), "--tableVersion="
        + appended.plan().input().table().orElseThrow().version());
    Run fullAfter = run(dir.resolve("other"), location.toString());
    assertIncremental(fullAppended, changes, fullAfter, full, appended, changes);
    assertEquals(Set.of("id0", "id1", "id2"), changes.deleted());
    assertEquals(21, changes.predictions().size());
  }

  private static Object[][] rowsOf(int from, int to, double shift) {
    return IntStream.range(from, to).mapToObj(i -> new Object[] {"id" + i, (i % 10) / 10.0 + shift, 0.5})
        .toArray(Object[][]::new);
  }

  @Test
  void refusesABaseThatIsNotThere() throws IOException {
    Path table = dir.resolve("t");
    Files.createDirectories(table);
    ParquetFixtures.write(table.resolve("a.parquet"), ParquetFixtures.predictionSchema(1), rows1());
    Path reports = dir.resolve("reports");
    LaunchException none = assertThrows(LaunchException.class, () -> run(reports, table.toString(),
        "--changesSince=20260101-000000-00000000"));
    assertEquals("--changesSince=20260101-000000-00000000: no completed run 20260101-000000-00000000 among the"
        + " reports under --reportDir=" + reports + " (the files sink writes no run records)", none.getMessage());
    Run full = run(reports, table.toString());
    LaunchException bundle = assertThrows(LaunchException.class, () -> run(reports, table.toString(),
        "--changesSince=" + full.runId(), "--grouping=bundle"));
    assertEquals("--changesSince=" + full.runId() + ": only with --grouping=bucket (the ids of changed rows are"
        + " compared by bucket)", bundle.getMessage());
    Path other = dir.resolve("other");
    Files.createDirectories(other);
    ParquetFixtures.write(other.resolve("a.parquet"), ParquetFixtures.predictionSchema(1), rows1());
    LaunchException input = assertThrows(LaunchException.class, () -> run(reports, other.toString(),
        "--changesSince=" + full.runId()));
    assertEquals("--changesSince=" + full.runId() + " read another input: " + table, input.getMessage());
  }

  private static List<Map<String, Object>> rows1() {
    return List.of(ParquetFixtures.row("x", 0.5), ParquetFixtures.row("y", 0.25));
  }
}
