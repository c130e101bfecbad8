package io.predictionrelay.run;

import io.predictionrelay.options.PublishOptions;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.beam.runners.spark.SparkContextOptions;
import org.apache.beam.runners.spark.SparkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Runner settings a user would otherwise trip on, settled in one place and handed to the runner
 * through its own options: on the Spark runner, {@code local[*]} instead of Beam's
 * {@code local[4]}; a local Spark that binds to 127.0.0.1 only (its web UI only when
 * {@code SPARK_LOCAL_IP=127.0.0.1}, as the Makefile sets it, since the UI otherwise listens on every
 * interface); a storage level that cannot re-publish; partitions sized to the input. Anything set
 * explicitly (arguments, or {@code spark.*} settings as spark-submit passes them) wins. Nothing is
 * written to JVM-wide system properties: the Spark configuration goes into the Spark context this
 * class starts for the run.
 */
public final class RunnerDefaults {
  private RunnerDefaults() {}

  /**
   * Rows per Spark partition the derived parallelism aims at (about 20 MB of compact rows). It also
   * bounds what a lost executor makes the run send again: a publishing task that dies is run again
   * whole and re-sends what it had sent, at most its partition's messages, about 5,000 at 10
   * predictions per message (250,000 rows per partition re-sent up to 25,000: issue #22). Tasks are
   * cheap: 1M rows on 2 cores took the same CPU in 4, 20, 40 and 200 partitions (README, Faults on a
   * cluster); 60M rows make 1,200 tasks per stage.
   */
  static final long ROWS_PER_PARTITION = 50_000;

  /** Sets the Spark runner's options this project defaults differently; {@code args} tells what the user set. */
  public static void apply(PipelineOptions options, String[] args) {
    if (!isSparkRunner(options)) {
      return;
    }
    SparkPipelineOptions spark = options.as(SparkPipelineOptions.class);
    boolean masterGiven = Arrays.stream(args).anyMatch(a -> a.startsWith("--sparkMaster"));
    if (!masterGiven && !new SparkConf().contains("spark.master")) {
      spark.setSparkMaster("local[*]");
    }
    if (spark.getSparkMaster().equals("local[*]")) {
      // The same thing, spelt so that Beam recognises a local master: for "local[*]" it scans the
      // classpath and zips target/classes to stage files no local executor needs (about 1 s).
      spark.setSparkMaster("local[" + Runtime.getRuntime().availableProcessors() + "]");
    }
    if (Arrays.stream(args).noneMatch(a -> a.startsWith("--storageLevel"))) {
      // KafkaIO's writer has two outputs, so the runner caches its (empty) output and reads it twice.
      // Under memory pressure a MEMORY_ONLY block is refused, and the second read recomputes the
      // writer: messages published twice (seen at 10M rows in a 2 GB heap). On disk it always fits.
      spark.setStorageLevel("MEMORY_AND_DISK");
    }
    if (!master(spark).startsWith("local") && spark.getFilesToStage() == null) {
      // Run from the application jar (java -jar, spark-submit): that jar is all executors need.
      // Otherwise Beam stages every jar of the classpath, Spark's own included.
      applicationJar().ifPresent(jar -> spark.setFilesToStage(List.of(jar)));
    }
  }

  /** The master in effect: spark-submit's ({@code spark.master}) over the option. */
  private static String master(SparkPipelineOptions spark) {
    return new SparkConf().get("spark.master", spark.getSparkMaster());
  }

  /**
   * The Spark settings this project derives for a run over {@code totalRows} rows; empty when not on
   * Spark. Only settings the user did not give are derived ({@link #startSparkContext} applies them
   * under spark-submit's and {@code -D} settings). {@code spark.default.parallelism}, which the Spark
   * runner uses for the read and for GroupByKey: two per core and at least one per 50,000 rows.
   * (Beam's GroupByKey in the global window caches each grouped partition in memory, which is why a
   * partition once had to stay small: with 2 partitions, 10M rows ran out of a 2 GB heap;
   * {@code GroupIntoBuckets} now groups outside that path, streamed, so partitions bound what a lost
   * task sends again, not memory.) {@code spark.serializer}: Kryo, as
   * Beam's Kryo registrator presumes, for the shuffle records. {@code
   * spark.shuffle.sort.bypassMergeThreshold}: 0, so that every shuffle is written by Spark's sort
   * writer, one file per map task, and never by its bypass writer.
   */
  public static Map<String, String> sparkSettings(PipelineOptions options, long totalRows) {
    Map<String, String> settings = new LinkedHashMap<>();
    if (!isSparkRunner(options)) {
      return settings;
    }
    SparkPipelineOptions spark = options.as(SparkPipelineOptions.class);
    String master = master(spark);
    if (master.startsWith("local") || master.contains("127.0.0.1") || master.contains("localhost")) {
      settings.put("spark.driver.host", "127.0.0.1");
      settings.put("spark.driver.bindAddress", "127.0.0.1");
      // Spark's web UI binds to SPARK_LOCAL_IP or else every interface; only serve it on loopback.
      if (!"127.0.0.1".equals(System.getenv("SPARK_LOCAL_IP"))) {
        settings.put("spark.ui.enabled", "false");
      }
    }
    settings.put("spark.ui.showConsoleProgress", "true");
    // Spark writes shuffle records with Java serialization unless told otherwise, and Beam's runner
    // does not tell it (it only names its Kryo registrator): every encoded row crossed the
    // GroupByKey through ObjectOutputStream, 4% of a 1M run's Java samples. See docs/benchmarks.md.
    settings.put("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    // GroupIntoBuckets' sorted grouping has no map-side combine, so up to 200 partitions Spark would
    // write it with its bypass writer: a file per reduce partition per map task, concatenated after.
    // Never bypassing gives the serialized sort writer, one file per map task. 10M rows, 200
    // partitions: 202 CPU s instead of 242, the old cached grouping's 198 (docs/benchmarks.md).
    settings.put("spark.shuffle.sort.bypassMergeThreshold", "0");
    int requested = options.as(PublishOptions.class).getSparkPartitions();
    int cores = Runtime.getRuntime().availableProcessors();
    long derived = Math.max(2L * cores, (totalRows + ROWS_PER_PARTITION - 1) / ROWS_PER_PARTITION);
    settings.put("spark.default.parallelism",
        Integer.toString(requested > 0 ? requested : (int) Math.min(Integer.MAX_VALUE, derived)));
    SparkConf given = new SparkConf();
    settings.keySet().removeIf(given::contains);
    return settings;
  }

  /** The partitions the read and the shuffle will have, given the derived settings. */
  public static int sparkPartitions(Map<String, String> derived) {
    return Integer.parseInt(new SparkConf().get("spark.default.parallelism",
        derived.getOrDefault("spark.default.parallelism", "0")));
  }

  /**
   * Starts the Spark context of a run, with spark-submit's settings, then the derived ones, and
   * hands it to the runner as a provided context. The caller stops it when the run ends.
   */
  public static JavaSparkContext startSparkContext(PipelineOptions options, Map<String, String> derived) {
    SparkContextOptions spark = options.as(SparkContextOptions.class);
    SparkConf conf = new SparkConf();
    derived.forEach(conf::setIfMissing);
    conf.setIfMissing("spark.master", spark.getSparkMaster());
    if (spark.getFilesToStage() != null && !spark.getFilesToStage().isEmpty()) {
      conf.setJars(spark.getFilesToStage().toArray(new String[0]));
    }
    conf.setAppName(spark.getAppName());
    // What the runner sets on a context it makes itself: Beam's types registered with Kryo.
    conf.set("spark.kryo.registrator", "org.apache.beam.runners.spark.coders.SparkRunnerKryoRegistrator");
    JavaSparkContext context = new JavaSparkContext(conf);
    spark.setUsesProvidedSparkContext(true);
    spark.setProvidedSparkContext(context);
    return context;
  }

  private static Optional<String> applicationJar() {
    try {
      String location =
          Path.of(RunnerDefaults.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .toString();
      return location.endsWith(".jar") ? Optional.of(location) : Optional.empty();
    } catch (URISyntaxException | RuntimeException unknown) {
      return Optional.empty();
    }
  }

  public static boolean isSparkRunner(PipelineOptions options) {
    return options.getRunner().getSimpleName().equals("SparkRunner");
  }

  /**
   * How many writers can run at once: the threads of a local Spark ({@code local[N]}), a cluster's
   * {@code spark.cores.max} or executors x cores when set, else the Spark partitions; the Direct
   * runner's target parallelism; else this machine's cores. Rate limits are shared out among them,
   * so that together they stay under the limit (with fewer at once, the run is slower, never faster).
   */
  public static int concurrentWriters(PipelineOptions options, Map<String, String> derived) {
    int cores = Runtime.getRuntime().availableProcessors();
    if (isSparkRunner(options)) {
      SparkConf conf = new SparkConf();
      String master = master(options.as(SparkPipelineOptions.class));
      java.util.regex.Matcher local = java.util.regex.Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]").matcher(master);
      if (local.matches()) {
        return local.group(1).equals("*") ? cores : Integer.parseInt(local.group(1));
      }
      if (master.equals("local")) {
        return 1;
      }
      if (conf.contains("spark.cores.max")) {
        return Integer.parseInt(conf.get("spark.cores.max"));
      }
      if (conf.contains("spark.executor.instances") && conf.contains("spark.executor.cores")) {
        return Integer.parseInt(conf.get("spark.executor.instances")) * Integer.parseInt(conf.get("spark.executor.cores"));
      }
      return Math.max(1, sparkPartitions(derived));
    }
    if (options.getRunner().getSimpleName().equals("DirectRunner")) {
      return Math.max(1, options.as(org.apache.beam.runners.direct.DirectOptions.class).getTargetParallelism());
    }
    return cores;
  }
}
