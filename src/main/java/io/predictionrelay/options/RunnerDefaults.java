package io.predictionrelay.options;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.beam.runners.spark.SparkPipelineOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;

/**
 * Runner settings a user would otherwise trip on, applied in one place before the pipeline runs:
 * on the Spark runner, {@code local[*]} instead of Beam's {@code local[4]}; a local Spark that
 * binds to 127.0.0.1 only (its web UI only when {@code SPARK_LOCAL_IP=127.0.0.1}, as the Makefile
 * sets it, since the UI otherwise listens on every interface); a storage level that cannot
 * re-publish; partitions sized to the input. Anything set explicitly (arguments, or {@code spark.*}
 * system properties as spark-submit sets them) wins.
 */
public final class RunnerDefaults {
  private RunnerDefaults() {}

  public static void apply(PipelineOptions options, String[] args) {
    if (!isSparkRunner(options)) {
      return;
    }
    SparkPipelineOptions spark = options.as(SparkPipelineOptions.class);
    boolean masterGiven = Arrays.stream(args).anyMatch(a -> a.startsWith("--sparkMaster"));
    if (!masterGiven && System.getProperty("spark.master") == null) {
      spark.setSparkMaster("local[*]");
    }
    if (spark.getSparkMaster().equals("local[*]")) {
      // The same thing, spelt so that Beam recognises a local master: for "local[*]" it scans the
      // classpath and zips target/classes to stage files no local executor needs (about 1 s).
      spark.setSparkMaster("local[" + Runtime.getRuntime().availableProcessors() + "]");
    }
    String master = System.getProperty("spark.master", spark.getSparkMaster());
    if (master.startsWith("local") || master.contains("127.0.0.1") || master.contains("localhost")) {
      setIfAbsent("spark.driver.host", "127.0.0.1");
      setIfAbsent("spark.driver.bindAddress", "127.0.0.1");
      // Spark's web UI binds to SPARK_LOCAL_IP or else every interface; only serve it on loopback.
      if (!"127.0.0.1".equals(System.getenv("SPARK_LOCAL_IP"))) {
        setIfAbsent("spark.ui.enabled", "false");
      }
    }
    setIfAbsent("spark.ui.showConsoleProgress", "true");
    if (Arrays.stream(args).noneMatch(a -> a.startsWith("--storageLevel"))) {
      // KafkaIO's writer has two outputs, so the runner caches its (empty) output and reads it twice.
      // Under memory pressure a MEMORY_ONLY block is refused, and the second read recomputes the
      // writer: messages published twice (seen at 10M rows in a 2 GB heap). On disk it always fits.
      spark.setStorageLevel("MEMORY_AND_DISK");
    }
    if (!master.startsWith("local") && spark.getFilesToStage() == null) {
      // Run from the application jar (java -jar, spark-submit): that jar is all executors need.
      // Otherwise Beam stages every jar of the classpath, Spark's own included.
      applicationJar().ifPresent(jar -> spark.setFilesToStage(List.of(jar)));
    }
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

  /** Rows per Spark partition the derived parallelism aims at: about 100 MB of compact rows. */
  static final long ROWS_PER_PARTITION = 250_000;

  /** The value this class set last, told apart from one the user set. */
  private static String lastDerived;

  /**
   * Sets {@code spark.default.parallelism}, which the Spark runner uses for the read and for
   * GroupByKey, unless it is already set; returns the effective value (0 when not on Spark).
   * Beam's GroupByKey on Spark caches each grouped partition in memory, so a partition must stay
   * small: with 2 partitions, 10M rows ran out of a 2 GB heap.
   */
  public static int applySparkParallelism(PipelineOptions options, long totalRows) {
    if (!isSparkRunner(options)) {
      return 0;
    }
    String set = System.getProperty("spark.default.parallelism");
    if (set != null && !set.equals(lastDerived)) {
      return Integer.parseInt(set); // the user's (spark-submit --conf, -D)
    }
    int requested = options.as(PublishOptions.class).getSparkPartitions();
    int cores = Runtime.getRuntime().availableProcessors();
    long derived = Math.max(2L * cores, (totalRows + ROWS_PER_PARTITION - 1) / ROWS_PER_PARTITION);
    int partitions = requested > 0 ? requested : (int) Math.min(Integer.MAX_VALUE, derived);
    lastDerived = Integer.toString(partitions);
    System.setProperty("spark.default.parallelism", lastDerived);
    return partitions;
  }

  /** The web UI of the Spark context running in this JVM, if there is one. */
  public static Optional<String> sparkUi() {
    try {
      scala.Option<SparkContext> active = SparkContext$.MODULE$.getActive();
      return active.isDefined() && active.get().uiWebUrl().isDefined()
          ? Optional.of(active.get().uiWebUrl().get())
          : Optional.empty();
    } catch (NoClassDefFoundError notOnSpark) {
      return Optional.empty();
    }
  }

  public static boolean isSparkRunner(PipelineOptions options) {
    return options.getRunner().getSimpleName().equals("SparkRunner");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
