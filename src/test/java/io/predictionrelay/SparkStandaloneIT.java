package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.servers.LocalSparkCluster;
import io.predictionrelay.testing.HdfsExtension;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.verify.VerifyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar built without Spark (the spark-provided profile), submitted with Spark's own
 * spark-submit to a standalone master and worker running in JVMs of their own: the executors run in
 * the worker's JVMs, read the input from a real HDFS (as executors on other hosts would; they are
 * given no local path), publish to the real broker, and every prediction arrives.
 */
class SparkStandaloneIT {
  private static final int ROWS = 20_000;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final HdfsExtension HDFS = new HdfsExtension();
  @TempDir Path dir;

  private static Path sparkProvidedJar() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      return files.filter(p -> p.getFileName().toString().endsWith("-spark-provided.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException(
              "target/*-spark-provided.jar is missing: make test builds it (mvn -Pspark-provided package)"));
    }
  }

  @Test
  void sparkSubmitToAStandaloneClusterPublishesEveryPrediction() throws Exception {
    Path local = dir.resolve("input");
    GeneratePredictions.builder(local).rows(ROWS).classes(30).files(2).seed(12).build().run();
    try (FileSystem hdfs = HDFS.client(); Stream<Path> files = Files.list(local)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".parquet")).toList()) {
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(file.toUri()),
            new org.apache.hadoop.fs.Path("/standalone/" + file.getFileName()));
      }
    }
    String input = HDFS.path("standalone/");
    Path log = dir.resolve("spark-submit.log");
    try (LocalSparkCluster cluster = LocalSparkCluster.createForTest(dir.resolve("cluster"), 2, "2g").start()) {
      int exit = cluster.submit(sparkProvidedJar(), PublishPredictions.class.getName(),
          Map.of("spark.executor.memory", "1g", "spark.ui.enabled", "false",
              "spark.ui.showConsoleProgress", "false"),
          List.of("--runner=SparkRunner", "--input=" + input, "--bootstrapServers=" + KAFKA.bootstrapServers(),
              "--topic=standalone", "--deadLetterDir=" + dir.resolve("dead")),
          log);
      String output = Files.readString(log);
      assertEquals(0, exit, output);
      assertTrue(output.contains("counts reconcile"), output);
      assertTrue(output.contains("runner:       SparkRunner"), output);
      assertTrue(output.contains("2 file(s) matching " + input), output);

      // The executors ran in JVMs the worker launched: each left its log in the worker's work dir.
      try (Stream<Path> files = Files.walk(cluster.workDir())) {
        List<Path> executorLogs = files.filter(p -> p.toString().matches(".*/worker-0/app-[^/]+/\\d+/stderr")).toList();
        assertTrue(!executorLogs.isEmpty(), "no executor ran in the worker");
        assertTrue(Files.readString(executorLogs.get(0)).contains("CoarseGrainedExecutorBackend"), executorLogs.get(0).toString());
      }
    }
    VerifyReport report =
        VerifyTopicBuilder.of(input, KAFKA.bootstrapServers(), "standalone").build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(ROWS, report.received());
    assertEquals(0, report.missing());
  }
}
