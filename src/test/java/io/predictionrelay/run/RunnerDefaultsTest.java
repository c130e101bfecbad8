package io.predictionrelay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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

  /** The bucket shuffle is written by Spark's serialized sort writer, never its bypass writer, unless the user says. */
  @Test
  void shuffleNeverBypassesTheSortWriterUnlessSetByTheUser() {
    PublishOptions options = PipelineOptionsFactory.fromArgs("--runner=SparkRunner").as(PublishOptions.class);
    assertEquals("0", RunnerDefaults.sparkSettings(options, 10_000_000).get("spark.shuffle.sort.bypassMergeThreshold"));
    System.setProperty("spark.shuffle.sort.bypassMergeThreshold", "200");
    try {
      assertFalse(RunnerDefaults.sparkSettings(options, 10_000_000).containsKey("spark.shuffle.sort.bypassMergeThreshold"));
    } finally {
      System.clearProperty("spark.shuffle.sort.bypassMergeThreshold");
    }
  }
}
