package io.predictionrelay;

import static io.predictionrelay.testing.Runs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.run.RunSummary;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.Runs;
import io.predictionrelay.verify.VerifyOptions;
import io.predictionrelay.verify.VerifyReport;
import io.predictionrelay.verify.VerifyTopic;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

/**
 * Tables written by Spark's own DataFrameWriter ({@code partitionBy(...).parquet(...)}, with its
 * {@code _SUCCESS} and {@code .crc} files), published by this pipeline on the Spark runner, and
 * compared prediction by prediction with what Spark's {@code to_json(struct(...))} writes for the
 * same rows: float, decimal (10,8 and 38,20: 38 digits, exact), int and double class columns, a string
 * and a date partition column; the verifier reads the 38-digit decimals back from Kafka.
 */
class SparkWrittenTablesIT {
  private static final int ROWS = 3_000;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir static Path dir;
  /** What Spark's to_json writes for each row, by id. */
  private static final Map<String, String> sparkJson = new HashMap<>();

  @BeforeAll
  static void writeWithSpark() {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("fixtures")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2").getOrCreate();
    try {
      StructType schema = new StructType()
          .add("id_client", DataTypes.StringType, false)
          .add("model_version", DataTypes.StringType, true)
          .add("dt", DataTypes.DateType, false)
          .add("class_0", DataTypes.DoubleType, false)
          .add("class_1", DataTypes.FloatType, false)
          .add("class_2", DataTypes.createDecimalType(10, 8), false)
          .add("class_10", DataTypes.IntegerType, false)
          .add("class_3", DataTypes.createDecimalType(38, 20), false);
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < ROWS; i++) {
        rows.add(RowFactory.create("client-" + i, i % 7 == 0 ? null : "v" + (i % 3),
            Date.valueOf(i % 2 == 0 ? "2026-11-18" : "2026-11-19"), i / (double) ROWS,
            i == 0 ? 0.0259049f : i / 3f / ROWS, new BigDecimal(i).movePointLeft(8).setScale(8), i % 5,
            wide(i)));
      }
      Dataset<Row> table = spark.createDataFrame(rows, schema);
      table.repartition(3).write().partitionBy("dt").parquet(dir.resolve("table").toString());
      for (Row row : table.select(col("id_client"), to_json(struct(col("id_client"), col("model_version"),
          col("dt"), col("class_0"), col("class_1"), col("class_2"), col("class_3"), col("class_10"))))
          .collectAsList()) {
        sparkJson.put(row.getString(0), row.getString(1));
      }
    } finally {
      spark.stop();
    }
  }

  /** A DECIMAL(38,20) value of up to 38 digits, negative for odd rows; 0 for row 0 (written 0E-20). */
  private static BigDecimal wide(int i) {
    return new BigDecimal(String.format("%s%d.%020d", i % 2 == 1 ? "-" : "", i * 100_000_000_000_000L,
        i * 12_345_678_901L));
  }

  @Test
  void aPartitionedTableIsPublishedAsSparksToJsonWritesIt() throws Exception {
    Path table = dir.resolve("table");
    assertTrue(Files.exists(table.resolve("_SUCCESS")), "Spark's marker file");
    try (Stream<Path> files = Files.walk(table)) {
      assertTrue(files.anyMatch(p -> p.getFileName().toString().endsWith(".crc")), "Spark's checksum files");
    }
    RunSummary summary = PublishPredictions.run(options(
        "--input=" + table, "--sink=files", "--outputDir=" + dir.resolve("out"),
        "--extraColumns=model_version,dt", "--deadLetterDir=" + dir.resolve("dead"),
        "--reportDir=" + dir.resolve("reports"), "--runner=SparkRunner", "--sparkMaster=local[2]"));
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS, summary.predictions());

    Map<String, String> published = published(dir.resolve("out"));
    assertEquals(sparkJson.keySet(), published.keySet());
    for (Map.Entry<String, String> e : sparkJson.entrySet()) {
      JsonNode theirs = MAPPER.readTree(e.getValue());
      assertEquals(theirs, MAPPER.readTree(published.get(e.getKey())), e.getKey());
      assertEquals(fieldNames(theirs), fieldNames(MAPPER.readTree(published.get(e.getKey()))));
    }
    // Byte for byte where the text matters: the float's own shortest form, the decimal's scale.
    assertEquals(sparkJson.get("client-0"), published.get("client-0"));
    assertTrue(published.get("client-0").contains("\"class_1\":0.0259049,\"class_2\":0E-8"), published.get("client-0"));
    assertTrue(published.get("client-1").contains("\"class_2\":1E-8"), published.get("client-1"));
    assertTrue(published.get("client-0").contains("\"class_3\":0E-20"), published.get("client-0"));
    assertTrue(published.get("client-2999").contains("\"class_3\":-299900000000000000.00000037024691024099,"),
        published.get("client-2999"));
    for (String id : sparkJson.keySet()) { // every row's 38-digit decimal byte for byte
      assertEquals(wideText(sparkJson.get(id)), wideText(published.get(id)), id);
    }
    assertEquals(sparkJson.get("client-1500"), published.get("client-1500"));
  }

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

  /** The same table through Kafka in the compact layout: the verifier reads the extra columns back. */
  @Test
  void extraColumnsArriveThroughKafkaAndAreVerified() throws Exception {
    String[] table = {"--input=" + dir.resolve("table"), "--extraColumns=model_version,dt",
        "--layout=compact", "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=spark-written"};
    RunSummary summary = PublishPredictions.run(options(Runs.concat(table,
        "--deadLetterDir=" + dir.resolve("kafka-dead"), "--reportDir=" + dir.resolve("reports"),
        "--runner=SparkRunner", "--sparkMaster=local[2]")));
    assertTrue(summary.reconciles(), summary.toString());
    VerifyReport report =
        VerifyTopic.of(PipelineOptionsFactory.fromArgs(table).as(VerifyOptions.class)).verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(ROWS, report.received());
    assertEquals(0, report.mismatched());
  }

  /** One file of the table under a name without an extension, as pandas writes a dataset. */
  @Test
  void aFileWithoutAnExtensionIsRead() throws Exception {
    Path sparkFile;
    try (Stream<Path> files = Files.walk(dir.resolve("table"))) {
      sparkFile = files.filter(p -> p.getFileName().toString().startsWith("part-")
          && p.toString().contains("dt=2026-11-18")).findFirst().orElseThrow();
    }
    Path inline = Files.createDirectories(dir.resolve("inline.parquet"));
    Files.copy(sparkFile, inline.resolve("5f0c2a1e9b7d4e0f8a3c6b2d1e4f7a90"));
    RunSummary summary = PublishPredictions.run(options(
        "--input=" + inline, "--sink=files", "--outputDir=" + dir.resolve("inline-out"),
        "--deadLetterDir=" + dir.resolve("inline-dead"), "--reportDir=" + dir.resolve("reports"),
        "--runner=DirectRunner"));
    assertTrue(summary.reconciles(), summary.toString());
    assertTrue(summary.predictions() > 0 && summary.predictions() < ROWS, summary.toString());
    for (Map.Entry<String, String> e : published(dir.resolve("inline-out")).entrySet()) {
      JsonNode expected = MAPPER.readTree(sparkJson.get(e.getKey()));
      ((com.fasterxml.jackson.databind.node.ObjectNode) expected).remove(List.of("model_version", "dt"));
      assertEquals(expected, MAPPER.readTree(e.getValue()), e.getKey());
    }
  }

  /** The text of class_3 (decimal(38,20)) as written: JsonNode equality would compare it as a double. */
  private static String wideText(String json) {
    int start = json.indexOf("\"class_3\":");
    return json.substring(start, json.indexOf(',', start)); // throws when the field is missing
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** Each published prediction's JSON text, by id, from the files sink's lines. */
  private static Map<String, String> published(Path out) throws Exception {
    Map<String, String> byId = new HashMap<>();
    try (Stream<Path> files = Files.list(out)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        for (String line : Files.readAllLines(file)) {
          for (JsonNode prediction : MAPPER.readTree(line).get("value")) {
            String text = MAPPER.writeValueAsString(prediction);
            // the text as written, not as Jackson re-writes it: cut it out of the line
            String id = prediction.get("id_client").asText();
            int start = line.indexOf("{\"id_client\":\"" + id + "\"");
            int end = line.indexOf('}', start) + 1;
            byId.put(id, start < 0 ? text : line.substring(start, end));
          }
        }
      }
    }
    return byId;
  }
}
