package io.predictionrelay;

import static io.predictionrelay.testing.Runs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.testing.HdfsExtension;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.Runs;
import io.predictionrelay.testing.S3Extension;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.verify.VerifyOptions;
import io.predictionrelay.verify.VerifyReport;
import io.predictionrelay.verify.VerifyTopic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A partitioned table on a real HDFS and a real S3-compatible server, put there with their own
 * clients: published on the Spark runner straight from {@code hdfs://}, {@code s3://} and
 * {@code s3a://}, and verified by reading the same URI, every prediction with its partition value.
 */
class DistributedInputIT {
  private static final int ROWS = 6_000;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final HdfsExtension HDFS = new HdfsExtension();
  @RegisterExtension static final S3Extension S3 = new S3Extension();
  @TempDir static Path dir;

  /** Two partitions of two files each, a _SUCCESS marker, as Spark leaves a table. */
  @BeforeAll
  static void upload() throws Exception {
    List<String> keys = new ArrayList<>();
    for (String day : List.of("2026-11-18", "2026-11-19")) {
      Path local = dir.resolve(day);
      GeneratePredictions.builder(local).rows(ROWS / 2).classes(30).files(2).seed(day.hashCode()).build().run();
      try (Stream<Path> files = Files.list(local)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".parquet")).sorted().toList()) {
          keys.add("predictions/dt=" + day + "/" + file.getFileName());
        }
      }
    }
    Path success = Files.writeString(dir.resolve("_SUCCESS"), "");
    try (FileSystem hdfs = HDFS.client(); S3Client s3 = S3.client()) {
      for (String key : keys) {
        Path file = dir.resolve(key.replaceAll("predictions/dt=([^/]+)/", "$1/"));
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(file.toUri()), new org.apache.hadoop.fs.Path("/" + key));
        s3.putObject(b -> b.bucket(S3.bucket()).key(key), RequestBody.fromFile(file));
      }
      hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(success.toUri()), new org.apache.hadoop.fs.Path("/predictions/_SUCCESS"));
      s3.putObject(b -> b.bucket(S3.bucket()).key("predictions/_SUCCESS"), RequestBody.fromFile(success));
    }
  }

  private static String input(String scheme) {
    return switch (scheme) {
      case "hdfs" -> HDFS.path("predictions/");
      case "s3" -> S3.path("predictions/");
      case "s3a" -> "s3a://" + S3.bucket() + "/predictions/";
      default -> throw new IllegalArgumentException(scheme);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"hdfs", "s3", "s3a"})
  void publishesFromDistributedStorageAndVerifiesFromIt(String scheme) throws Exception {
    String topic = "from-" + scheme;
    String[] common = Runs.concat(new String[] {"--input=" + input(scheme), "--extraColumns=dt",
        "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=" + topic}, S3.args().toArray(String[]::new));
    RunSummary summary = PublishPredictions.run(options(Runs.concat(common,
        "--deadLetterDir=" + dir.resolve(topic + "-dead"), "--reportDir=" + dir.resolve("reports"),
        "--runner=SparkRunner", "--sparkMaster=local[2]")));
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS, summary.expectedRows());
    assertEquals(ROWS, summary.predictions());

    VerifyReport report = VerifyTopic.of(PipelineOptionsFactory.fromArgs(common).as(VerifyOptions.class)).verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(ROWS, report.received);
    assertEquals(0, report.missing);
  }
}
