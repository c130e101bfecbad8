package io.predictionrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.predictionrelay.kafka.KafkaTopics;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.transforms.PublishToKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroReadSupport;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.LocalInputFile;

/**
 * What issue #20 asks of incremental runs, measured: on a table where 5% of the rows changed, a
 * daily run with {@code --changesSince=last} publishes those rows and no more, and costs what next
 * to a full run. For each table (Delta with the change data feed on, Delta without, both with
 * deletion vectors; a Hive directory) it runs, each in a JVM of its own and measured as
 * {@link Bench} measures a contender: a full run to a fresh topic, the change (an UPDATE of 5% of
 * the ids, in every file, by Delta's own Spark writer; or a new partition of 5% more rows), then the
 * incremental run. It reads the topic afterwards and exits 1 unless the incremental run published
 * exactly the changed ids, each once. The tables are written once under data/ and put back before
 * each run, so that every run measures the same change and a rerun does not write them again. Figures go to
 * docs/bench/incremental-ROWS.json and the "Incremental runs" section of docs/benchmarks.md.
 *
 * <pre>IncrementalBench --rows=1000000 [--bootstrapServers=127.0.0.1:9092] [--heap=4g]
 *       [--tables=delta-cdf,delta,hive] [--brokerPid=.local/kafka/broker.pid] [--pipelineArgs="--..."]
 *       [--data=data/bench-ROWS] [--tablesDir=data/bench-incremental-ROWS] [--note="how it was taken"]
 * IncrementalBench --reportOnly=true   (the section again from docs/bench/incremental-*.json)</pre>
 */
public final class IncrementalBench {
  static final List<String> TABLES = List.of("delta-cdf", "delta", "hive");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** The tables measured at one size, as docs/bench/incremental-ROWS.json holds them. */
  public static final class Figures {
    public long rows;
    public int cores;
    /**
     * What the tables cannot say about how these figures were taken (which tables, what else ran):
     * {@code --note=…}; kept until every table of this size is measured again.
     */
    public String note;
    public List<TableFigures> tables = new ArrayList<>();
  }

  /** One table's steps, the runs' own counts, and what was counted on the topic. */
  public static final class TableFigures {
    public String name;
    public String date;
    public String description;
    /** What changed between the two runs. */
    public String change;
    public long rowsChanged;
    /**
     * In order: the table made ready (written the first time, put back later), the full run, the
     * change, the incremental run; a run's {@code rows} are the rows it read (its report's rowsRead).
     */
    public List<Bench.Result> steps = new ArrayList<>();
    /** The full run's report: run id, input (files, rows) and counts. */
    public JsonNode fullRun;
    /** The incremental run's report: rows read, files unchanged, base rows compared, ids new, changed and deleted. */
    public JsonNode incrementalRun;
    /** Delta's own account of the UPDATE (its history's operationMetrics); absent for the Hive directory. */
    public JsonNode changeMetrics;
    /** Changed ids the incremental run did not publish; ids it published that did not change; published twice. */
    public long idsMissing;
    public long idsUnexpected;
    public long idsRepeated;
    public List<String> failures = new ArrayList<>();

    Bench.Result step(String stepName) {
      return steps.stream().filter(s -> s.name.equals(stepName)).findFirst().orElse(null);
    }
  }

  private final long rows;
  private final String bootstrap;
  private final String heap;
  private final Path brokerPid;
  private final String classpath;
  private final List<String> pipelineArgs;
  private final Path data;
  private final Path tables;
  private final Path work;

  private IncrementalBench(Map<String, String> options) throws IOException {
    rows = Long.parseLong(options.getOrDefault("rows", "1000000"));
    bootstrap = options.getOrDefault("bootstrapServers", "127.0.0.1:9092");
    heap = options.getOrDefault("heap", "4g");
    brokerPid = Path.of(options.getOrDefault("brokerPid", ".local/kafka/broker.pid"));
    classpath = "target/classes:" + Files.readString(Path.of("target/bench-classpath.txt")).trim();
    pipelineArgs = Stream.of(options.getOrDefault("pipelineArgs", "").split(" ")).filter(s -> !s.isBlank()).toList();
    data = Path.of(options.getOrDefault("data", "data/bench-" + rows)).toAbsolutePath();
    tables = Path.of(options.getOrDefault("tablesDir", "data/bench-incremental-" + rows)).toAbsolutePath();
    work = Path.of("target/bench/incremental-" + rows).toAbsolutePath();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = Bench.options(args);
    Path docs = Path.of(options.getOrDefault("docs", "docs"));
    if (options.containsKey("reportOnly")) {
      IncrementalReport.write(docs); // after editing a note in docs/bench/incremental-*.json
      return;
    }
    IncrementalBench bench = new IncrementalBench(options);
    Bench.generateIfMissing(bench.data, bench.rows);

    List<TableFigures> measured = new ArrayList<>();
    for (String table : options.getOrDefault("tables", String.join(",", TABLES)).split(",")) {
      measured.add(bench.measure(table));
    }
    // Tables measured now replace their earlier figures of this size; the others are kept.
    Path file = docs.resolve("bench/incremental-" + bench.rows + ".json");
    Figures figures = Files.exists(file) ? JSON.readValue(file.toFile(), Figures.class) : new Figures();
    figures.rows = bench.rows;
    figures.cores = Runtime.getRuntime().availableProcessors();
    figures.tables.removeIf(old -> measured.stream().anyMatch(t -> t.name.equals(old.name)));
    figures.note = options.getOrDefault("note", figures.tables.isEmpty() ? null : figures.note);
    figures.tables.addAll(measured);
    figures.tables.sort(Comparator.comparingInt(t -> TABLES.indexOf(t.name)));
    Files.createDirectories(file.getParent());
    JSON.writeValue(file.toFile(), figures);
    IncrementalReport.write(docs);

    List<String> failures = measured.stream().flatMap(t -> t.failures.stream().map(f -> t.name + ": " + f))
        .toList();
    failures.forEach(f -> System.out.println("FAILED " + f));
    if (!failures.isEmpty()) {
      System.exit(1);
    }
    System.out.println("every incremental run published exactly the changed ids");
  }

  private TableFigures measure(String name) throws Exception {
    TableFigures figures = new TableFigures();
    figures.name = name;
    figures.date = LocalDate.now().toString();
    Table table = switch (name) {
      case "delta-cdf" -> new DeltaTable(figures, true);
      case "delta" -> new DeltaTable(figures, false);
      case "hive" -> new HiveTable(figures);
      default -> throw new IllegalArgumentException("unknown table " + name + ": one of " + TABLES);
    };
    String topic = "bench-incremental-" + name + "-" + System.currentTimeMillis();
    try (KafkaTopics topics = KafkaTopics.connect(bootstrap, Map.of(), Duration.ofSeconds(30))) {
      topics.ensureTopic(topic, true, 6, 1);
    }
    try {
      table.prepare();
      Bench.warmPageCache(table.input());
      Bench.Result full = publish(figures, table, topic, "full run", List.of());
      if (full.exitCode == 0) {
        Set<String> changed = table.change();
        figures.rowsChanged = changed.size();
        Bench.Result incremental = publish(figures, table, topic, "incremental run", List.of("--changesSince=last"));
        if (incremental.exitCode == 0) {
          check(figures, topic, changed);
        }
      }
      figures.steps.stream().filter(s -> s.exitCode != 0)
          .forEach(s -> figures.failures.add(s.name + " exited with " + s.exitCode));
    } finally {
      table.putBack();
      try (KafkaTopics topics = KafkaTopics.connect(bootstrap, Map.of(), Duration.ofSeconds(30))) {
        topics.deleteTopic(topic);
        topics.deleteTopic(topic + ".runs");
      }
    }
    return figures;
  }

  /** A run of this pipeline, as Bench runs its pipeline contender, with a report directory of its own. */
  private Bench.Result publish(TableFigures figures, Table table, String topic, String stepName,
      List<String> more) throws Exception {
    Path reports = work.resolve(figures.name).resolve(stepName.replace(' ', '-'));
    SparkDeltaTable.deleteRecursively(reports);
    List<String> command = java(List.of("io.predictionrelay.PublishPredictions",
        "--input=" + table.input(), "--bootstrapServers=" + bootstrap, "--topic=" + topic,
        "--deadLetterDir=target/bench/dead-letters", "--reportDir=" + reports,
        "--runner=SparkRunner", "--sparkMaster=local[*]"));
    command.addAll(more);
    command.addAll(pipelineArgs);
    Bench.Result step = step(figures, stepName, "this pipeline, Beam Spark runner, local[*]"
        + (more.isEmpty() ? "" : ", " + String.join(" ", more)), command);
    JsonNode report = report(reports);
    if (report != null) {
      step.rows = report.path("counts").path("rowsRead").asLong();
      if (stepName.equals("full run")) {
        figures.fullRun = report;
      } else {
        figures.incrementalRun = report;
      }
    }
    return step;
  }

  /** Runs {@code command} as a measured step of {@code figures}. */
  private Bench.Result step(TableFigures figures, String stepName, String description, List<String> command)
      throws Exception {
    Bench.Result step = new Bench.Result();
    step.name = stepName;
    step.description = description;
    System.out.printf("%s: %s%n", figures.name, stepName);
    MeasuredProcess.run(command, "incremental-" + rows + "-" + figures.name + "-" + stepName.replace(' ', '-'),
        brokerPid, step);
    System.out.printf("  %.1f s wall, %.1f s CPU, %.0f MB peak RSS, exit %d%n",
        step.wallSeconds, step.cpuSeconds, step.peakRssMb, step.exitCode);
    figures.steps.add(step);
    return step;
  }

  private List<String> java(List<String> mainAndArgs) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "@.mvn/jvm.config", "-Xmx" + heap, "-cp", classpath));
    command.addAll(mainAndArgs);
    return command;
  }

  /** The run id, kind, input and counts of the one report a run wrote under {@code reports}. */
  private static JsonNode report(Path reports) throws IOException {
    if (!Files.isDirectory(reports)) {
      return null;
    }
    try (Stream<Path> files = Files.list(reports)) {
      Path file = files.filter(p -> p.getFileName().toString().matches("run-.*\\.json")).findFirst().orElse(null);
      if (file == null) {
        return null;
      }
      JsonNode whole = JSON.readTree(file.toFile());
      ObjectNode kept = JSON.createObjectNode();
      for (String field : List.of("runId", "runKind", "changesSince", "wallSeconds", "input", "buckets", "counts")) {
        if (whole.has(field)) {
          kept.set(field, whole.get(field));
        }
      }
      return kept;
    }
  }

  /**
   * Counts both runs' messages and predictions on the topic, by their run id header, and compares
   * the ids the incremental run published with the ids that changed.
   */
  private void check(TableFigures figures, String topic, Set<String> changed) {
    if (figures.fullRun == null || figures.incrementalRun == null) {
      figures.failures.add("a run wrote no report under " + work.resolve(figures.name));
      return;
    }
    Bench.Result full = figures.step("full run");
    Bench.Result incremental = figures.step("incremental run");
    String fullId = figures.fullRun.path("runId").asText();
    String incrementalId = figures.incrementalRun.path("runId").asText();
    Map<String, Integer> published = new HashMap<>();
    long[] others = {0};
    TopicRecords.forEach(bootstrap, topic, record -> {
      String runId = header(record, PublishToKafka.RUN_ID_HEADER);
      Bench.Result run = fullId.equals(runId) ? full : incrementalId.equals(runId) ? incremental : null;
      if (run == null) {
        others[0]++;
        return;
      }
      run.messages++;
      run.jsonBytes += record.value().length;
      run.predictions += Long.parseLong(header(record, PublishToKafka.COUNT_HEADER));
      if (run == incremental) {
        ids(record.value()).forEach(id -> published.merge(id, 1, Integer::sum));
      }
    });
    figures.idsMissing = changed.stream().filter(id -> !published.containsKey(id)).count();
    figures.idsUnexpected = published.keySet().stream().filter(id -> !changed.contains(id)).count();
    figures.idsRepeated = published.values().stream().filter(n -> n > 1).count();
    long tableRows = figures.fullRun.path("counts").path("rowsInFooters").asLong();
    JsonNode counts = figures.incrementalRun.path("counts");
    List<String> failures = figures.failures;
    expect(failures, full.predictions == tableRows, "the full run published %,d predictions of %,d rows",
        full.predictions, tableRows);
    expect(failures, incremental.predictions == changed.size(),
        "the incremental run published %,d predictions for %,d rows changed", incremental.predictions, changed.size());
    expect(failures, figures.idsMissing + figures.idsUnexpected + figures.idsRepeated == 0,
        "the incremental run's ids are not the changed ids: %,d missing, %,d not changed, %,d published twice",
        figures.idsMissing, figures.idsUnexpected, figures.idsRepeated);
    expect(failures, counts.path("predictionsPublished").asLong() == incremental.predictions,
        "the incremental run reports %,d predictions published, the topic holds %,d",
        counts.path("predictionsPublished").asLong(), incremental.predictions);
    expect(failures, counts.path("reconciles").asBoolean(), "the incremental run's counts do not reconcile: %s",
        counts);
    expect(failures, counts.path("changes").path("idsDeleted").asLong() == 0,
        "the incremental run found %,d ids deleted; none were", counts.path("changes").path("idsDeleted").asLong());
    expect(failures, others[0] == 0, "%,d messages on the topic carry neither run's id", others[0]);
  }

  private static void expect(List<String> failures, boolean holds, String format, Object... args) {
    if (!holds) {
      failures.add(String.format(format, args));
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** The ids of a message, in either layout: an array of objects, or the compact layout's {@code ids}. */
  private static List<String> ids(byte[] message) {
    try {
      JsonNode json = JSON.readTree(message);
      List<String> ids = new ArrayList<>();
      if (json.isArray()) {
        json.forEach(prediction -> ids.add(prediction.path("id_client").asText()));
      } else {
        json.path("ids").forEach(id -> ids.add(id.asText()));
      }
      return ids;
    } catch (IOException e) {
      throw new IllegalStateException("a message that is not JSON: " + e.getMessage(), e);
    }
  }

  /** A table the bench changes between a full and an incremental run. */
  private interface Table {
    Path input();

    /** Puts the table as the full run reads it: written the first time, put back otherwise. */
    void prepare() throws Exception;

    /** Changes the table as a daily job would; the ids that changed. */
    Set<String> change() throws Exception;

    /** Undoes what the change left in the table's directory that the next prepare would not. */
    void putBack() throws IOException;
  }

  /**
   * A Delta table of the bench's rows, written and updated by Delta's own Spark writer. Version 0 is
   * written once and kept aside, never changed; before each run the table is made again from it:
   * its log copied, its data files hard-linked (Delta never changes a data file, it adds files and
   * log entries), so that putting the table back costs neither a Spark job nor a copy of the data,
   * and every run publishes version 0 in full, updates it to version 1, and publishes the changes.
   */
  private final class DeltaTable implements Table {
    private final TableFigures figures;
    private final boolean changeDataFeed;
    private final Path kept;
    private final Path path;

    DeltaTable(TableFigures figures, boolean changeDataFeed) {
      this.figures = figures;
      this.changeDataFeed = changeDataFeed;
      this.kept = tables.resolve(figures.name + "-v0");
      this.path = tables.resolve(figures.name);
      figures.description = "Delta, deletion vectors on, change data feed " + (changeDataFeed ? "on" : "off");
      figures.change = "UPDATE of 5% of the ids, in every file (Delta's Spark writer)";
    }

    @Override
    public Path input() {
      return path;
    }

    @Override
    public void prepare() throws Exception {
      if (!Files.exists(kept.resolve("_delta_log/00000000000000000000.json"))) {
        Bench.Result write = step(figures, "write table",
            "Spark: CREATE TABLE … USING delta AS SELECT * FROM the bench's Parquet files",
            java(List.of(SparkDeltaTable.class.getName(), "write", data.toString(), kept.toString(),
                Boolean.toString(changeDataFeed))));
        if (write.exitCode != 0) {
          throw new IOException("writing " + kept + " failed: see target/bench/");
        }
      }
      SparkDeltaTable.deleteRecursively(path);
      try (Stream<Path> files = Files.walk(kept)) {
        for (Path file : files.toList()) {
          Path copy = path.resolve(kept.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(copy);
          } else if (file.startsWith(kept.resolve("_delta_log"))) {
            Files.copy(file, copy);
          } else {
            Files.createLink(copy, file);
          }
        }
      }
    }

    @Override
    public Set<String> change() throws Exception {
      Path out = work.resolve(figures.name).resolve("update");
      SparkDeltaTable.deleteRecursively(out);
      Bench.Result update = step(figures, "update", "Spark: UPDATE … SET " + SparkDeltaTable.SET + " WHERE "
          + SparkDeltaTable.CHANGED + ", then the updated ids listed",
          java(List.of(SparkDeltaTable.class.getName(), "update", path.toString(), out.toString())));
      if (update.exitCode != 0) {
        return Set.of();
      }
      figures.changeMetrics = JSON.readTree(out.resolve("update.json").toFile());
      return new HashSet<>(Files.readAllLines(out.resolve("changed-ids.txt")));
    }

    @Override
    public void putBack() {
      // the next prepare makes the table again from version 0
    }
  }

  /**
   * A Hive-layout directory: the bench's files (hard links) as partition {@code dt=2026-11-18}; the
   * change is a partition {@code dt=2026-11-19} of 5% new rows (new ids), generated once and kept
   * beside the table, moved in for the incremental run and out again afterwards (a move keeps the
   * files' modification times, so the full run's files compare unchanged).
   */
  private final class HiveTable implements Table {
    private final Path path;
    private final Path base;
    private final Path added;
    private final Path kept;

    HiveTable(TableFigures figures) {
      this.path = tables.resolve("hive");
      this.base = path.resolve("dt=2026-11-18");
      this.added = path.resolve("dt=2026-11-19");
      this.kept = tables.resolve("hive-added").resolve("dt=2026-11-19");
      figures.description = "Hive directory (plain Parquet, partitions dt=…)";
      figures.change = "a partition of " + String.format("%,d", rows / 20) + " new rows (new ids) added";
    }

    @Override
    public Path input() {
      return path;
    }

    @Override
    public void prepare() throws Exception {
      if (!Files.isDirectory(base)) {
        Files.createDirectories(base);
        try (Stream<Path> files = Files.list(data)) {
          for (Path file : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
            Files.createLink(base.resolve(file.getFileName()), file);
          }
        }
      }
      putBack();
      if (!Files.isDirectory(kept)) {
        GeneratePredictions.builder(kept).rows(rows / 20).seed(2).build().run();
      }
    }

    @Override
    public Set<String> change() throws IOException {
      Set<String> ids = new HashSet<>();
      try (Stream<Path> files = Files.list(kept)) {
        for (Path file : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
          ids.addAll(readIds(file));
        }
      }
      Files.move(kept, added);
      return ids;
    }

    @Override
    public void putBack() throws IOException {
      if (Files.isDirectory(added)) {
        Files.createDirectories(kept.getParent());
        Files.move(added, kept);
      }
    }
  }

  /** The ids of a Parquet file the bench wrote, read with parquet-avro, not with the pipeline's reader. */
  private static List<String> readIds(Path file) throws IOException {
    Schema ids = SchemaBuilder.record("prediction").fields().requiredString("id_client").endRecord();
    Configuration conf = new Configuration(false);
    AvroReadSupport.setRequestedProjection(conf, ids);
    List<String> found = new ArrayList<>();
    try (ParquetReader<GenericRecord> reader =
        AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).withConf(conf).build()) {
      for (GenericRecord record; (record = reader.read()) != null; ) {
        found.add(record.get(0).toString());
      }
    }
    return found;
  }
}
