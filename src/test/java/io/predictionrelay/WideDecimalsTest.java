package io.predictionrelay;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.run.RunSummary;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decimals of 38 digits, written by Spark's own DataFrameWriter (a {@code DECIMAL(38,20)} and a
 * {@code DECIMAL(12,2)} class column, a {@code DECIMAL(38,0)} extra column), published on the Direct
 * runner in both layouts and compared byte for byte with what Spark's {@code to_json} writes for the
 * same rows: every row published, none a dead letter, none rounded.
 */
class WideDecimalsTest {
  @TempDir static Path dir;
  /** What Spark's to_json(struct(*)) writes for each row, by id. */
  private static final Map<String, String> sparkJson = new TreeMap<>();

  /** id, big DECIMAL(38,0), class_0 DECIMAL(38,20), class_1 double, class_2 DECIMAL(12,2). */
  private static final Object[][] ROWS = {
    {"r0", "12345678901234567890123456789012345678", "123456789012345678.12345678901234567890", 0.1, "0.5"},
    {"r1", "-99999999999999999999999999999999999999", "-999999999999999999.99999999999999999999", 0.25, "-1"},
    {"r2", "0", "0", 0.0, "0"},
    {"r3", null, "0.5", 1.0E-5, "1234567890.12"},
    {"r4", "10000000000000000000000000000000000000", "0.00000000000000000001", 0.5, "0.01"},
    {"r5", "-1", "-0.00000000000000000001", 1.0, "-9999999999.99"},
    {"r6", "7", "100", 0.75, "100"},
    {"r7", "-70", "-0.12345678901234567890", 0.125, "-0.10"},
  };

  @BeforeAll
  static void writeWithSpark() {
    SparkSession spark = SparkSession.builder().master("local[1]").appName("wide-decimals")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "1")
        .getOrCreate();
    try {
      StructType schema = new StructType()
          .add("id_client", DataTypes.StringType, false)
          .add("big", DataTypes.createDecimalType(38, 0), true)
          .add("class_0", DataTypes.createDecimalType(38, 20), false)
          .add("class_1", DataTypes.DoubleType, false)
          .add("class_2", DataTypes.createDecimalType(12, 2), false);
      List<Row> rows = new ArrayList<>();
      for (Object[] r : ROWS) {
        rows.add(RowFactory.create(r[0], r[1] == null ? null : new BigDecimal((String) r[1]),
            new BigDecimal((String) r[2]), r[3], new BigDecimal((String) r[4])));
      }
      Dataset<Row> table = spark.createDataFrame(rows, schema);
      table.coalesce(1).write().parquet(dir.resolve("table").toString());
      // to_json of the table as read back from its files: the values the pipeline reads
      Dataset<Row> read = spark.read().parquet(dir.resolve("table").toString());
      for (Row row : read.select(col("id_client"), to_json(struct(col("id_client"), col("big"),
          col("class_0"), col("class_1"), col("class_2")))).collectAsList()) {
        sparkJson.put(row.getString(0), row.getString(1));
      }
    } finally {
      spark.stop();
    }
  }

  private static List<String> publish(String name, String... more) throws IOException {
    List<String> args = new ArrayList<>(List.of("--input=" + dir.resolve("table"), "--sink=files",
        "--outputDir=" + dir.resolve(name), "--deadLetterDir=" + dir.resolve(name + "-dead"),
        "--reportDir=" + dir.resolve("reports"), "--runner=DirectRunner", "--extraColumns=big",
        "--numBuckets=1"));
    args.addAll(List.of(more));
    RunSummary summary = PublishPredictions.run(
        PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(PublishOptions.class));
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS.length, summary.predictions(), summary.toString());
    assertTrue(!Files.exists(dir.resolve(name + "-dead")) || isEmpty(dir.resolve(name + "-dead")),
        "no dead letters");
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir.resolve(name))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        lines.addAll(Files.readAllLines(file));
      }
    }
    return lines;
  }

  private static boolean isEmpty(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.findAny().isEmpty();
    }
  }

  /** Spark writes each decimal as BigDecimal.toString at its column's scale: trailing zeros, 0E-20, 1E-20. */
  @Test
  void sparkWritesDecimalsAsBigDecimalToString() {
    assertEquals("{\"id_client\":\"r0\",\"big\":12345678901234567890123456789012345678,"
        + "\"class_0\":123456789012345678.12345678901234567890,\"class_1\":0.1,\"class_2\":0.50}", sparkJson.get("r0"));
    assertEquals("{\"id_client\":\"r2\",\"big\":0,\"class_0\":0E-20,\"class_1\":0.0,\"class_2\":0.00}",
        sparkJson.get("r2"));
    assertEquals("{\"id_client\":\"r3\",\"class_0\":0.50000000000000000000,\"class_1\":1.0E-5,"
        + "\"class_2\":1234567890.12}", sparkJson.get("r3"));
    assertEquals("{\"id_client\":\"r5\",\"big\":-1,\"class_0\":-1E-20,\"class_1\":1.0,\"class_2\":-9999999999.99}",
        sparkJson.get("r5"));
    for (Object[] r : ROWS) {
      BigDecimal class0 = new BigDecimal((String) r[2]).setScale(20);
      assertTrue(sparkJson.get(r[0]).contains("\"class_0\":" + class0 + ","), sparkJson.get(r[0]));
    }
  }

  /** The object layout: one message of every row, each object byte for byte Spark's to_json. */
  @Test
  void objectsAreSparksToJsonByteForByte() throws IOException {
    List<String> lines = publish("objects");
    assertEquals(List.of("{\"key\":\"0-0\",\"predictions\":8,\"value\":["
        + String.join(",", sparkJson.values()) + "]}"), lines);
  }

  /**
   * The compact layout carries the same tokens; --doublePrecision rounds the double column only:
   * the decimals are still Spark's text (the double rounded to one digit, half to even).
   */
  @Test
  void compactCarriesTheSameTextAndDoublePrecisionLeavesDecimals() throws IOException {
    List<String> lines = publish("compact", "--layout=compact", "--doublePrecision=1");
    List<String> ids = new ArrayList<>();
    List<String> bigs = new ArrayList<>();
    List<String> rows = new ArrayList<>();
    for (Map.Entry<String, String> e : sparkJson.entrySet()) {
      ids.add("\"" + e.getKey() + "\"");
      bigs.add(field(e.getValue(), "big", "null"));
      double class1 = Double.parseDouble(field(e.getValue(), "class_1", null));
      rows.add("[" + field(e.getValue(), "class_0", null) + ","
          + new BigDecimal(class1).round(new java.math.MathContext(1, java.math.RoundingMode.HALF_EVEN)).doubleValue() + ","
          + field(e.getValue(), "class_2", null) + "]");
    }
    assertEquals(List.of("{\"key\":\"0-0\",\"predictions\":8,\"value\":{\"ids\":[" + String.join(",", ids)
        + "],\"columns\":{\"big\":[" + String.join(",", bigs) + "]},\"classes\":[\"class_0\",\"class_1\",\"class_2\"],"
        + "\"probabilities\":[" + String.join(",", rows) + "]}}"), lines);
    assertTrue(lines.get(0).contains("[0.50000000000000000000,1.0E-5,1234567890.12]"), lines.get(0));
    assertTrue(lines.get(0).contains("[-0.12345678901234567890,0.1,-0.10]"), lines.get(0));
  }

  /** A field's text exactly as Spark wrote it, or {@code absent} when to_json left it out (null). */
  private static String field(String json, String name, String absent) {
    Matcher m = Pattern.compile("\"" + name + "\":([^,}]+)").matcher(json);
    if (!m.find()) {
      assertEquals("null", absent, name + " missing from " + json);
      return absent;
    }
    return m.group(1);
  }
}
