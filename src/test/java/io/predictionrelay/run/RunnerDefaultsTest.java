package io.predictionrelay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.options.PublishOptions;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.jupiter.api.Test;

/** The Spark partitions derived for a run: they bound what a lost publishing task sends again. */
class RunnerDefaultsTest {
  private static int derivedPartitions(long rows, String... args) {
    PublishOptions options = PipelineOptionsFactory.fromArgs(args).as(PublishOptions.class);
    Map<String, String> settings = RunnerDefaults.sparkSettings(options, rows);
    return Integer.parseInt(settings.get("spark.default.parallelism"));
  }

  @Test
  void onePartitionPer50000RowsAndTwoPerCoreAtLeast() {
    int cores = Runtime.getRuntime().availableProcessors();
    assertEquals(Math.max(2 * cores, 20), derivedPartitions(1_000_000, "--runner=SparkRunner"));
    assertEquals(Math.max(2 * cores, 1_200), derivedPartitions(60_000_000, "--runner=SparkRunner"));
    assertEquals(Math.max(2 * cores, 3), derivedPartitions(100_001, "--runner=SparkRunner"));
    assertEquals(7, derivedPartitions(1_000_000, "--runner=SparkRunner", "--sparkPartitions=7"));
  }
}
