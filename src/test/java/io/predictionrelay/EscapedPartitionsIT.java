package io.predictionrelay;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.testing.FilesSinkRun;
import io.predictionrelay.testing.HdfsExtension;
import io.predictionrelay.testing.S3Extension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A table that Spark's own DataFrameWriter partitioned by an hourly timestamp and by strings Hive
 * escapes ({@code partitionBy("ts", "s")}: directories such as {@code ts=2026-11-18 10%3A00%3A00}
 * and {@code s=k%3Dv}), copied whole to a real HDFS and a real S3-compatible server, published from
 * each with the partition columns as extra columns, and compared prediction by prediction with
 * Spark's own read of the same table: every partition value decoded exactly once, also one that
 * really holds {@code %25}.
 */
class EscapedPartitionsIT {
  private static final int ROWS = 720;
  private static final List<String> TIMES = List.of("2026-11-18 10:00:00", "2026-11-18 23:30:00");
  /** A space (escaped by DuckDB, not Spark), '=', '/', '%', a literal "%25", and null. */
  private static final List<String> STRINGS = Arrays.asList("a b", "k=v", "x/y", "100%", "p%25q", null);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @RegisterExtension static final HdfsExtension HDFS = new HdfsExtension();
  @RegisterExtension static final S3Extension S3 = new S3Extension();
  @TempDir static Path dir;
  private static Path table;
  /** What Spark's to_json writes for each row of its own read of the table, by id. */
  private static final Map<String, String> sparkJson = new HashMap<>();

  @BeforeAll
  static void writeWithSparkAndCopy() throws Exception {
    table = dir.resolve("table");
    SparkSession spark = SparkSession.builder().master("local[1]").appName("EscapedPartitionsIT")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        // Partition values read as the strings their directories name, as this pipeline types them
        // (Spark would make ts a timestamp and write it as "2026-11-18T10:00:00.000Z").
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate();
    try {
      StructType schema = new StructType()
          .add("id_client", DataTypes.StringType, false)
          .add("ts", DataTypes.TimestampType, false)
          .add("s", DataTypes.StringType, true)
          .add("class_0", DataTypes.DoubleType, false)
          .add("class_1", DataTypes.DoubleType, false);
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < ROWS; i++) {
        rows.add(RowFactory.create("client-" + i, Timestamp.valueOf(TIMES.get(i % TIMES.size())),
            STRINGS.get(i / TIMES.size() % STRINGS.size()), i / (double) ROWS, 1 - i / (double) ROWS));
      }
      spark.createDataFrame(rows, schema).write().partitionBy("ts", "s").parquet(table.toString());
      Dataset<Row> read = spark.read().parquet(table.toString());
      assertEquals(DataTypes.StringType, read.schema().apply("ts").dataType());
      for (Row row : read.select(col("id_client"),
          to_json(struct(col("id_client"), col("ts"), col("s"), col("class_0"), col("class_1")))).collectAsList()) {
        sparkJson.put(row.getString(0), row.getString(1));
      }
    } finally {
      spark.stop();
    }
    // Spark's read decodes the directories into the values written: the comparison below means something.
    assertEquals(ROWS, sparkJson.size());
    Set<String> times = new TreeSet<>();
    Set<String> strings = new HashSet<>();
    for (String json : sparkJson.values()) {
      JsonNode row = MAPPER.readTree(json);
      times.add(row.get("ts").asText());
      strings.add(row.has("s") ? row.get("s").asText() : null);
    }
    assertEquals(new TreeSet<>(TIMES), times);
    assertEquals(new HashSet<>(STRINGS), strings);

    List<Path> files;
    try (Stream<Path> walk = Files.walk(table)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    try (FileSystem hdfs = HDFS.client(); S3Client s3 = S3.client()) {
      for (Path file : files) {
        String relative = table.relativize(file).toString();
        // Hadoop's Path(parent, child) takes the child as a name, '%' and ' ' included, as S3 takes a key.
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(file.toUri()),
            new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path("/escaped"), relative));
        s3.putObject(b -> b.bucket(S3.bucket()).key("escaped/" + relative), RequestBody.fromFile(file));
      }
      // The names on HDFS are Spark's, escaped once: ':' as %3A, '=' as %3D, '/' as %2F, '%' as %25.
      Set<String> names = new TreeSet<>();
      for (FileStatus ts : hdfs.listStatus(new org.apache.hadoop.fs.Path("/escaped"))) {
        if (!ts.isDirectory()) {
          continue; // _SUCCESS
        }
        for (FileStatus s : hdfs.listStatus(ts.getPath())) {
          names.add(ts.getPath().getName() + "/" + s.getPath().getName());
        }
      }
      assertTrue(names.contains("ts=2026-11-18 10%3A00%3A00/s=k%3Dv"), names.toString());
      assertTrue(names.contains("ts=2026-11-18 23%3A30%3A00/s=x%2Fy"), names.toString());
      assertTrue(names.contains("ts=2026-11-18 10%3A00%3A00/s=p%2525q"), names.toString());
      assertTrue(names.contains("ts=2026-11-18 10%3A00%3A00/s=a b"), names.toString());
      assertTrue(names.contains("ts=2026-11-18 10%3A00%3A00/s=__HIVE_DEFAULT_PARTITION__"), names.toString());
      assertEquals(TIMES.size() * STRINGS.size(), names.size(), names.toString());
    }
  }

  @AfterAll
  static void clearSparkSession() {
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  @ParameterizedTest
  @ValueSource(strings = {"local", "hdfs", "s3", "s3a"})
  void everyPartitionValueIsPublishedAsSparkReadsIt(String store) throws Exception {
    FilesSinkRun run = switch (store) {
      case "local" -> FilesSinkRun.publish(dir, table.toString(), "--extraColumns=ts,s");
      case "hdfs" -> FilesSinkRun.publish(dir, HDFS.path("escaped/"), "--extraColumns=ts,s");
      default -> FilesSinkRun.publish(dir, store + "://" + S3.bucket() + "/escaped/",
          Stream.concat(S3.args().stream(), Stream.of("--extraColumns=ts,s")).toArray(String[]::new));
    };
    assertTrue(run.summary().reconciles(), run.summary().toString());
    assertEquals(ROWS, run.summary().predictions());
    assertEquals(TIMES.size() * STRINGS.size(), run.plan().input().files().size());
    assertEquals(sparkJson.keySet(), run.predictions().keySet());
    for (Map.Entry<String, String> e : sparkJson.entrySet()) {
      JsonNode theirs = MAPPER.readTree(e.getValue());
      JsonNode ours = run.predictions().get(e.getKey());
      assertEquals(theirs, ours, e.getKey());
      assertEquals(fieldNames(theirs), fieldNames(ours), e.getKey());
    }
    // Spot checks of the text itself, independent of Spark's read.
    assertEquals("2026-11-18 10:00:00", run.predictions().get("client-0").get("ts").asText());
    assertEquals("a b", run.predictions().get("client-0").get("s").asText());
    assertEquals("k=v", run.predictions().get("client-2").get("s").asText());
    assertEquals("x/y", run.predictions().get("client-4").get("s").asText());
    assertEquals("100%", run.predictions().get("client-6").get("s").asText());
    assertEquals("p%25q", run.predictions().get("client-8").get("s").asText());
    assertTrue(!run.predictions().get("client-10").has("s"), run.predictions().get("client-10").toString());
    assertEquals("2026-11-18 23:30:00", run.predictions().get("client-11").get("ts").asText());

    // The verifier's way in: every file read back by the name the input gave it.
    Set<String> ids = new HashSet<>();
    for (String file : run.plan().input().files()) {
      run.plan().input().readRecords(file, record -> ids.add(record.get("id_client").toString()));
    }
    assertEquals(sparkJson.keySet(), ids);
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
