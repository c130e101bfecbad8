package io.predictionrelay.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.predictionrelay.kafka.KafkaTopics;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.transforms.PublishToKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;

/**
 * Runs, on the same data and the same broker, one after the other in JVMs of their own: this
 * pipeline on Spark {@code local[*]}, the classic Spark SQL job, the framework-free floor on one
 * thread and on one thread per core, this pipeline on Flink's embedded cluster, and this pipeline
 * again with the smaller payload (compact layout, 6 significant digits). Measures wall and CPU
 * seconds and peak RSS of each process and the broker's CPU seconds meanwhile, counts what reached
 * each topic, measures the bytes per prediction of every payload option, then writes
 * docs/benchmarks.md and docs/benchmarks.png from every size measured so far. Ratios between
 * contenders are only meaningful within one run: the machine is shared.
 *
 * <pre>Bench --rows=1000000 [--bootstrapServers=127.0.0.1:9092] [--heap=4g]
 *       [--contenders=pipeline,spark,floor,floor-parallel,pipeline-bundle,pipeline-flink,pipeline-compact]
 *       [--brokerPid=.local/kafka/broker.pid] [--jvmArgs="-XX:..."] [--pipelineArgs="--..."]
 * Bench --reportOnly=true   (docs/benchmarks.md again from docs/bench/results-*.json)</pre>
 */
public final class Bench {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final List<String> CONTENDERS =
      List.of("pipeline", "spark", "floor", "floor-parallel", "pipeline-bundle", "pipeline-flink", "pipeline-compact");
  static final String FLINK_ARGS = "--runner=FlinkRunner --flinkMaster=[local] --parallelism=";
  static final String COMPACT_ARGS = "--layout=compact --doublePrecision=6";
  /** The shuffle-free grouping: each split's rows cut into messages as they are read. */
  static final String BUNDLE_ARGS = "--grouping=bundle";

  /** One contender's figures. */
  public static final class Result {
    public String name;
    public String description;
    public long rows;
    public double wallSeconds;
    public double cpuSeconds;
    public double peakRssMb;
    /** The broker's user + system CPU seconds while this contender ran; -1 when its pid is unknown. */
    public double brokerCpuSeconds = -1;
    public long messages;
    public long predictions;
    public long jsonBytes;
    public int exitCode;
    /** Seconds the JVM stood still in garbage-collection pauses (its -Xlog:gc); -1 when not measured. */
    public double gcPauseSeconds = -1;
    /** The machine's highest 1-minute load average while this ran (a shared machine shows here); -1 if unknown. */
    public double peakLoadAverage = -1;
    /** The contender's {@code -Xmx}, e.g. {@code 2g}; null in results written before it was recorded. */
    public String heap;
    public String extra = "";

    double rowsPerSecond() {
      return rows / wallSeconds;
    }

    double jsonMbPerSecond() {
      return jsonBytes / 1e6 / wallSeconds;
    }

    double cpuPerMillionRows() {
      return cpuSeconds / (rows / 1e6);
    }
  }

  /** The benches' {@code --name=value} arguments, by name. */
  static Map<String, String> options(String[] args) {
    Map<String, String> options = new TreeMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      options.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    return options;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    Path docs = Path.of(options.getOrDefault("docs", "docs"));
    if (options.containsKey("reportOnly")) {
      BenchReport.write(docs); // docs/benchmarks.md again from docs/bench/results-*.json
      return;
    }
    long rows = Long.parseLong(options.getOrDefault("rows", "1000000"));
    String bootstrap = options.getOrDefault("bootstrapServers", "127.0.0.1:9092");
    String heap = options.getOrDefault("heap", "4g");
    List<String> contenders =
        List.of(options.getOrDefault("contenders", String.join(",", CONTENDERS)).split(","));
    Path data = Path.of(options.getOrDefault("data", "data/bench-" + rows));
    String producerConfig = options.getOrDefault("producerConfig", "");
    String classpath = "target/classes:" + Files.readString(Path.of("target/bench-classpath.txt")).trim();
    Path brokerPid = Path.of(options.getOrDefault("brokerPid", ".local/kafka/broker.pid"));
    List<String> jvmArgs = List.of(options.getOrDefault("jvmArgs", "").split(" ")).stream()
        .filter(s -> !s.isBlank()).toList();
    int cores = Runtime.getRuntime().availableProcessors();

    generateIfMissing(data, rows);

    // Read the data once so that every contender finds it in the page cache: the first one would
    // otherwise also pay for the disk (10M rows right after a 60M run: 130 s instead of 101 s).
    warmPageCache(data);

    List<Result> results = new ArrayList<>();
    for (String contender : contenders) {
      String topic = "bench-" + contender + "-" + System.currentTimeMillis();
      try (KafkaTopics topics = KafkaTopics.connect(bootstrap, Map.of(), Duration.ofSeconds(30))) {
        topics.ensureTopic(topic, true, 6, 1);
      }
      boolean flink = contender.equals("pipeline-flink");
      // Flink's runner has a classpath of its own (the flink profile), as for make run PIPELINE=local-flink.
      String contenderClasspath = flink
          ? "target/classes:" + Files.readString(Path.of("target/bench-flink-classpath.txt")).trim()
          : classpath;
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "@.mvn/jvm.config", "-Xmx" + heap, "-Dbench.producerConfig=" + producerConfig));
      command.addAll(jvmArgs);
      command.addAll(List.of("-cp", contenderClasspath));
      Result result = new Result();
      result.name = contender;
      result.rows = rows;
      result.heap = heap;
      switch (contender) {
        case "pipeline", "pipeline-compact", "pipeline-bundle", "pipeline-flink" -> {
          String variantArgs = switch (contender) {
            case "pipeline-compact" -> COMPACT_ARGS;
            case "pipeline-bundle" -> BUNDLE_ARGS;
            default -> "";
          };
          result.description = flink
              ? "this pipeline, Beam Flink runner, [local], parallelism " + cores
              : "this pipeline, Beam Spark runner, local[*]" + (variantArgs.isEmpty() ? "" : ", " + variantArgs);
          command.addAll(List.of("io.predictionrelay.PublishPredictions",
              "--input=" + data, "--bootstrapServers=" + bootstrap, "--topic=" + topic,
              "--deadLetterDir=target/bench/dead-letters"));
          command.addAll(flink
              ? List.of((FLINK_ARGS + cores).split(" "))
              : List.of("--runner=SparkRunner", "--sparkMaster=local[*]"));
          if (!producerConfig.isBlank()) {
            command.add("--producerConfig=" + producerConfig);
          }
          String pipelineArgs = options.getOrDefault("pipelineArgs", "") + " " + variantArgs;
          command.addAll(List.of(pipelineArgs.split(" ")).stream()
              .filter(s -> !s.isBlank()).toList());
        }
        case "spark" -> {
          result.description = "plain Spark SQL: zipWithIndex, seq % G, collect_list + to_json, Kafka sink";
          command.addAll(List.of(ClassicSparkJob.class.getName(), data.toString(), bootstrap, topic));
        }
        case "floor", "floor-parallel" -> {
          int threads = contender.equals("floor") ? 1 : cores;
          result.description = "framework-free floor, " + threads + " reader/encoder thread"
              + (threads == 1 ? "" : "s") + ": SplitReader, PredictionJson, one KafkaProducer";
          command.addAll(List.of(PlainJavaFloor.class.getName(), data.toString(), bootstrap, topic,
              Integer.toString(threads)));
        }
        default -> throw new IllegalArgumentException("unknown contender " + contender);
      }
      System.out.printf("running %s: %s%n", contender, result.description);
      MeasuredProcess.run(command, contender + "-" + rows, brokerPid, result);
      count(bootstrap, topic, result);
      try (KafkaTopics topics = KafkaTopics.connect(bootstrap, Map.of(), Duration.ofSeconds(30))) {
        topics.deleteTopic(topic);
        if (contender.startsWith("pipeline")) {
          topics.deleteTopic(topic + ".runs"); // the run records the pipeline keeps beside its topic
        }
      }
      System.out.printf("  %s: %.1f s wall, %.1f s CPU (%.2f s per million rows), broker %.1f s CPU, %.0f MB peak RSS,"
          + " %.1f s GC pauses, %,d messages, %,d predictions, exit %d%n",
          contender, result.wallSeconds, result.cpuSeconds, result.cpuPerMillionRows(), result.brokerCpuSeconds,
          result.peakRssMb, result.gcPauseSeconds, result.messages, result.predictions, result.exitCode);
      results.add(result);
    }

    results.forEach(r -> r.extra = producerConfig);
    Files.createDirectories(docs.resolve("bench"));
    // Contenders run now replace their earlier figures for this size; the others are kept.
    Path file = docs.resolve("bench/results-" + rows + ".json");
    List<Result> merged = new ArrayList<>();
    if (Files.exists(file)) {
      for (Result old : JSON.readValue(file.toFile(), Result[].class)) {
        if (results.stream().noneMatch(r -> r.name.equals(old.name))) {
          merged.add(old);
        }
      }
    }
    merged.addAll(results);
    merged.sort(java.util.Comparator.comparingInt(r -> CONTENDERS.indexOf(r.name)));
    JSON.writeValue(file.toFile(), merged);
    if (!options.getOrDefault("payloads", "true").equals("false")) {
      System.out.println("measuring bytes per prediction of each payload option");
      JSON.writeValue(docs.resolve("bench/payloads.json").toFile(), PayloadSizes.measure(data.toString(), 200_000));
    }
    BenchReport.write(docs);
  }

  /** The bench's data: ROWS rows of seed 1 under {@code data}, written unless Parquet files are there. */
  static void generateIfMissing(Path data, long rows) throws IOException, InterruptedException {
    try (Stream<Path> files = Files.exists(data) ? Files.list(data) : Stream.empty()) {
      if (files.anyMatch(p -> p.toString().endsWith(".parquet"))) {
        return;
      }
    }
    System.out.printf("generating %,d rows under %s%n", rows, data);
    GeneratePredictions.builder(data).rows(rows).seed(1).progress(true).build().run();
  }

  static void warmPageCache(Path data) throws IOException {
    byte[] buffer = new byte[1 << 20];
    try (java.util.stream.Stream<Path> files = Files.walk(data)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        try (java.io.InputStream in = Files.newInputStream(file)) {
          while (in.read(buffer) >= 0) {
            // only the reading matters
          }
        }
      }
    }
  }

  /**
   * Messages, value bytes and predictions that reached the topic: the pipeline's count header, or,
   * for contenders that write none, the objects in each message.
   */
  private static void count(String bootstrap, String topic, Result result) {
    byte[] marker = "\"id_client\":".getBytes(StandardCharsets.UTF_8);
    TopicRecords.forEach(bootstrap, topic, record -> {
      result.messages++;
      result.jsonBytes += record.value().length;
      Header count = record.headers().lastHeader(PublishToKafka.COUNT_HEADER);
      result.predictions += count != null
          ? Integer.parseInt(new String(count.value(), StandardCharsets.UTF_8))
          : occurrences(record.value(), marker);
    });
  }

  private static int occurrences(byte[] haystack, byte[] needle) {
    int count = 0;
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      count++;
      i += needle.length - 1;
    }
    return count;
  }
}
