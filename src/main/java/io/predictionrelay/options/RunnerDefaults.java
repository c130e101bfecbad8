package io.predictionrelay.options;

import java.util.Arrays;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Runner settings a user would otherwise trip on, applied in one place before the pipeline runs:
 * on the Spark runner, {@code local[*]} instead of Beam's {@code local[4]}, and a local Spark that
 * binds to 127.0.0.1 only (its web UI only when {@code SPARK_LOCAL_IP=127.0.0.1}, as the Makefile
 * sets it, since the UI otherwise listens on every interface). Anything set explicitly (arguments or {@code spark.*} system properties,
 * as spark-submit sets them) wins.
 */
public final class RunnerDefaults {
  private RunnerDefaults() {}

  public static void apply(PipelineOptions options, String[] args) {
    if (!isSparkRunner(options)) {
      return;
    }
    var spark = options.as(org.apache.beam.runners.spark.SparkPipelineOptions.class);
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
