package io.predictionrelay.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.PublishPredictions;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.Runs;
import io.predictionrelay.verify.VerifyOptions;
import io.predictionrelay.verify.VerifyReport;
import io.predictionrelay.verify.VerifyTopic;
import io.predictionrelay.testing.HdfsExtension;
import io.predictionrelay.testing.S3Extension;
import io.predictionrelay.tools.CopyFiles;
import io.predictionrelay.tools.GeneratePredictions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Parquet inputs on a real HDFS and a real S3-compatible server, put there with their own clients
 * (Hadoop's and the AWS SDK), then seen through Beam's file systems exactly as a run sees them: the
 * launch-time description from the footers, every byte, and a partitioned table published from
 * {@code hdfs://}, {@code s3://} and {@code s3a://} and verified from the same URI.
 */
class StorageIT {
  private static final int ROWS = 3_000;
  private static final List<String> NAMES = List.of("part-00000.parquet", "part-00001.parquet", "part-00002.parquet");

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @RegisterExtension static final HdfsExtension HDFS = new HdfsExtension();
  @RegisterExtension static final S3Extension S3 = new S3Extension();
  @TempDir static Path dir;

  @BeforeAll
  static void generateUploadAndConfigure() throws Exception {
    GeneratePredictions.builder(dir.resolve("input")).rows(ROWS).classes(30).files(3).seed(11).build().run();
    assertEquals(NAMES, localFiles().stream().map(f -> f.getFileName().toString()).toList());
    try (FileSystem hdfs = HDFS.client(); S3Client s3 = S3.client()) {
      for (Path file : localFiles()) {
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(file.toUri()),
            new org.apache.hadoop.fs.Path("/predictions/" + file.getFileName()));
        s3.putObject(b -> b.bucket(S3.bucket()).key("predictions/" + file.getFileName()), RequestBody.fromFile(file));
      }
    }
    uploadPartitionedTable();
  }

  /** What a run does before building its pipeline: options completed from its paths, then registered. */
  @BeforeEach
  void registerFileSystems() {
    PipelineOptions options = S3.configure(PipelineOptionsFactory.create());
    FileSystemSetup.configure(options, HDFS.path("predictions/"), S3.path("predictions/"));
    FileSystems.setDefaultPipelineOptions(options); // a run of another test registers its own
  }

  private static List<Path> localFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("input"))) {
      return files.filter(f -> f.toString().endsWith(".parquet")).sorted().toList();
    }
  }

  private static String directory(String scheme) {
    return switch (scheme) {
      case "hdfs" -> HDFS.path("predictions/");
      case "s3" -> S3.path("predictions/");
      case "s3a" -> "s3a://" + S3.bucket() + "/predictions/";
      default -> throw new IllegalArgumentException(scheme);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"hdfs", "s3", "s3a"})
  void aDirectoryIsDescribedFromTheFootersOfItsFiles(String scheme) {
    String directory = directory(scheme);
    ParquetInput input = ParquetInput.describe(directory);
    assertEquals(NAMES.stream().map(name -> directory + name).toList(), input.files());
    assertEquals(ROWS, input.totalRows());
    assertEquals(PredictionSchema.withClasses(30), input.schema());
  }

  @ParameterizedTest
  @ValueSource(strings = {"hdfs", "s3", "s3a"})
  void everyByteAndEveryRowReadsBackThroughBeam(String scheme) throws IOException {
    String directory = directory(scheme);
    ParquetInput input = ParquetInput.describe(directory);
    AtomicLong rows = new AtomicLong();
    for (Path local : localFiles()) {
      String remote = directory + local.getFileName();
      try (InputStream in = Channels.newInputStream(FileSystems.open(FileSystems.matchSingleFileSpec(remote).resourceId()))) {
        assertArrayEquals(Files.readAllBytes(local), in.readAllBytes(), remote);
      }
      // Parquet's reader seeks: footer first, then the row groups, through BeamInputFile.
      input.readRecords(remote, record -> rows.incrementAndGet());
    }
    assertEquals(ROWS, rows.get());
  }

  @ParameterizedTest
  @ValueSource(strings = {"hdfs", "s3"})
  void aGlobMatchesOnTheStore(String scheme) {
    ParquetInput input = ParquetInput.describe(directory(scheme) + "part-0000[02].parquet");
    assertEquals(List.of(directory(scheme) + NAMES.get(0), directory(scheme) + NAMES.get(2)), input.files());
    assertEquals(ParquetInput.describe(dir.resolve("input/part-00000.parquet").toString()).totalRows()
        + ParquetInput.describe(dir.resolve("input/part-00002.parquet").toString()).totalRows(), input.totalRows());
  }

  @Test
  void copyFilesWritesThroughBeamWhatTheStoresOwnClientsReadBack() throws IOException {
    CopyFiles.copy(dir.resolve("input").toString(), HDFS.path("copied/"));
    CopyFiles.copy(dir.resolve("input").toString(), S3.path("copied/"));
    try (FileSystem hdfs = HDFS.client(); S3Client s3 = S3.client()) {
      List<String> checked = new ArrayList<>();
      for (Path local : localFiles()) {
        byte[] expected = Files.readAllBytes(local);
        try (InputStream in = hdfs.open(new org.apache.hadoop.fs.Path("/copied/" + local.getFileName()))) {
          assertArrayEquals(expected, in.readAllBytes());
        }
        assertArrayEquals(expected,
            s3.getObjectAsBytes(b -> b.bucket(S3.bucket()).key("copied/" + local.getFileName())).asByteArray());
        checked.add(local.getFileName().toString());
      }
      assertEquals(NAMES, checked);
    }
  }

  private static final int PARTITIONED_ROWS = 6_000;

  /** Two partitions of two files each and a _SUCCESS marker, as Spark leaves a table, under partitioned/. */
  private static void uploadPartitionedTable() throws Exception {
    List<String> keys = new ArrayList<>();
    for (String day : List.of("2026-11-18", "2026-11-19")) {
      Path local = dir.resolve(day);
      GeneratePredictions.builder(local).rows(PARTITIONED_ROWS / 2).classes(30).files(2).seed(day.hashCode()).build().run();
      try (Stream<Path> files = Files.list(local)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".parquet")).sorted().toList()) {
          keys.add("partitioned/dt=" + day + "/" + file.getFileName());
        }
      }
    }
    keys.add("partitioned/_SUCCESS");
    Files.writeString(dir.resolve("_SUCCESS"), "");
    try (FileSystem hdfs = HDFS.client(); S3Client s3 = S3.client()) {
      for (String key : keys) {
        Path file = dir.resolve(key.replaceAll("partitioned/(dt=)?", ""));
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(file.toUri()), new org.apache.hadoop.fs.Path("/" + key));
        s3.putObject(b -> b.bucket(S3.bucket()).key(key), RequestBody.fromFile(file));
      }
    }
  }

  /**
   * The partitioned table published on the Spark runner straight from the store, and verified by
   * reading the same URI: every prediction, with its partition value.
   */
  @ParameterizedTest
  @ValueSource(strings = {"hdfs", "s3", "s3a"})
  void aPartitionedTableIsPublishedFromTheStoreAndVerifiedFromIt(String scheme) throws Exception {
    String input = directory(scheme).replace("/predictions/", "/partitioned/");
    String topic = "from-" + scheme;
    String[] common = Runs.concat(new String[] {"--input=" + input, "--extraColumns=dt",
        "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=" + topic}, S3.args().toArray(String[]::new));
    RunSummary summary = PublishPredictions.run(Runs.options(Runs.concat(common,
        "--deadLetterDir=" + dir.resolve(topic + "-dead"), "--reportDir=" + dir.resolve("reports"),
        "--runner=SparkRunner", "--sparkMaster=local[2]")));
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(PARTITIONED_ROWS, summary.expectedRows());
    assertEquals(PARTITIONED_ROWS, summary.predictions());

    VerifyReport report = VerifyTopic.of(PipelineOptionsFactory.fromArgs(common).as(VerifyOptions.class)).verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(PARTITIONED_ROWS, report.received());
    assertEquals(0, report.missing());
  }
}
