package io.predictionrelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.TableColumns;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.storage.FileSystemSetup;
import io.predictionrelay.testing.DeltaTables;
import io.predictionrelay.testing.FilesSinkRun;
import io.predictionrelay.testing.HdfsExtension;
import io.predictionrelay.testing.S3Extension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptedFiles;
import org.apache.iceberg.hadoop.HadoopTables;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.types.Types;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Delta and Iceberg tables, written by the formats' own writers, on a real HDFS and a real
 * S3-compatible server: each published from its {@code hdfs://}, {@code s3://} or {@code s3a://}
 * URI with nothing else configured than a plain Parquet input needs, exactly as the snapshot holds it.
 *
 * <p>A Delta table names its files relative to itself, so it is written locally by Delta's Spark
 * writer and copied, whole, with each store's own client. An Iceberg table names its files by
 * absolute URI, so Iceberg's writer writes it where it is read from: straight onto HDFS (a Hadoop
 * table), and for S3 into Iceberg's in-memory catalog, whose files are then put on the server under
 * the keys their URIs name.
 */
class LakehouseStorageIT {
  private static final Schema SCHEMA = new Schema(
      Types.NestedField.required(1, "id_client", Types.StringType.get()),
      Types.NestedField.required(2, "class_0", Types.DoubleType.get()),
      Types.NestedField.required(3, "class_1", Types.DoubleType.get()));

  @RegisterExtension static final HdfsExtension HDFS = new HdfsExtension();
  @RegisterExtension static final S3Extension S3 = new S3Extension();
  @TempDir static Path dir;

  private static Path delta;
  private static Table icebergOnHdfs;
  private static Table icebergOnS3;

  @BeforeAll
  static void writeTables() throws IOException {
    delta = dir.resolve("delta");
    SparkSession spark = DeltaTables.session("LakehouseStorageIT");
    try {
      DeltaTables.writeOverwritten(spark, delta.toString()); // {c, e}: a, b and d are in files no longer part of it
    } finally {
      spark.stop();
    }
    try (FileSystem hdfs = HDFS.client(); S3Client s3 = S3.client(); Stream<Path> files = Files.walk(delta)) {
      hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(delta.toUri()), new org.apache.hadoop.fs.Path("/delta"));
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        String key = "delta/" + delta.relativize(file).toString().replace('\\', '/');
        s3.putObject(b -> b.bucket(S3.bucket()).key(key), RequestBody.fromFile(file));
      }
    }

    icebergOnHdfs = overwritten(new HadoopTables(new Configuration())
        .create(SCHEMA, PartitionSpec.unpartitioned(), Map.of("format-version", "2"), HDFS.path("iceberg")));

    InMemoryCatalog catalog = new InMemoryCatalog();
    catalog.initialize("s3", Map.of("warehouse", S3.path("warehouse")));
    catalog.createNamespace(Namespace.of("db"));
    icebergOnS3 = overwritten(catalog.createTable(TableIdentifier.of("db", "predictions"), SCHEMA,
        PartitionSpec.unpartitioned(), Map.of("format-version", "2")));
    int put = putOnS3(icebergOnS3);
    // At least: 4 metadata files (the table's creation and 3 commits), 3 manifest lists, 3 data files.
    assertTrue(put >= 10, put + " files put on S3");
  }

  /**
   * Puts every file of an in-memory table on the S3 server under the key its URI names: all its
   * metadata files, and each snapshot's manifest list, manifests and data files.
   */
  private static int putOnS3(Table table) throws IOException {
    FileIO io = table.io();
    TableMetadata current = ((BaseTable) table).operations().current();
    Set<String> locations = new TreeSet<>();
    locations.add(current.metadataFileLocation());
    current.previousFiles().forEach(entry -> locations.add(entry.file()));
    for (Snapshot snapshot : table.snapshots()) {
      locations.add(snapshot.manifestListLocation());
      for (ManifestFile manifest : snapshot.allManifests(io)) {
        locations.add(manifest.path());
        try (CloseableIterable<DataFile> files = ManifestFiles.read(manifest, io)) {
          files.forEach(file -> locations.add(file.path().toString()));
        }
      }
    }
    String bucket = "s3://" + S3.bucket() + "/";
    try (S3Client s3 = S3.client()) {
      for (String location : locations) {
        try (InputStream in = io.newInputFile(location).newStream()) {
          byte[] bytes = in.readAllBytes();
          s3.putObject(b -> b.bucket(S3.bucket()).key(location.substring(bucket.length())), RequestBody.fromBytes(bytes));
        }
      }
    }
    return locations.size();
  }

  @AfterAll
  static void clearSparkSession() {
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  private static String[] s3(String... more) {
    return Stream.concat(S3.args().stream(), Stream.of(more)).toArray(String[]::new);
  }

  @Test
  void deltaOnHdfsPublishesItsSnapshot() {
    String input = HDFS.path("delta");
    FilesSinkRun run = FilesSinkRun.publish(dir, input);
    assertEquals(Set.of("c", "e"), run.predictions().keySet());
    assertEquals(0.7, run.predictions().get("c").get("class_1").doubleValue());
    assertEquals("Delta table " + input + " version 4", run.plan().input().snapshot());
    assertTrue(run.summary().reconciles(), run.summary().toString());
    assertEquals(Set.of("c", "d"), FilesSinkRun.publish(dir, input, "--tableVersion=2").predictions().keySet());
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3", "s3a"})
  void deltaOnS3PublishesItsSnapshot(String scheme) {
    String input = scheme + "://" + S3.bucket() + "/delta";
    FilesSinkRun run = FilesSinkRun.publish(dir, input, s3());
    assertEquals(Set.of("c", "e"), run.predictions().keySet());
    assertEquals(0.7, run.predictions().get("c").get("class_1").doubleValue());
    assertEquals("Delta table " + input + " version 4", run.plan().input().snapshot());
    assertTrue(run.summary().reconciles(), run.summary().toString());
    assertEquals(Set.of("c", "d"), FilesSinkRun.publish(dir, input, s3("--tableVersion=2")).predictions().keySet());
  }

  @Test
  void icebergOnHdfsPublishesItsSnapshot() {
    String input = icebergOnHdfs.location();
    assertTrue(input.startsWith("hdfs://"), input);
    FilesSinkRun run = FilesSinkRun.publish(dir, input);
    assertEquals(Set.of("c", "d", "e"), run.predictions().keySet());
    assertEquals("Iceberg table " + input + " snapshot " + icebergOnHdfs.currentSnapshot().snapshotId(),
        run.plan().input().snapshot());
    assertTrue(run.summary().reconciles(), run.summary().toString());
    long first = icebergOnHdfs.history().get(0).snapshotId();
    assertEquals(Set.of("a", "b"), FilesSinkRun.publish(dir, input, "--tableVersion=" + first).predictions().keySet());
  }

  @Test
  void icebergOnS3PublishesTheSnapshotOfItsMetadataFile() {
    String metadata = ((BaseTable) icebergOnS3).operations().current().metadataFileLocation();
    assertTrue(metadata.startsWith("s3://" + S3.bucket() + "/warehouse/"), metadata);
    FilesSinkRun run = FilesSinkRun.publish(dir, metadata, s3());
    assertEquals(Set.of("c", "d", "e"), run.predictions().keySet());
    assertEquals(0.4, run.predictions().get("d").get("class_0").doubleValue());
    assertTrue(run.summary().reconciles(), run.summary().toString());
    long first = icebergOnS3.history().get(0).snapshotId();
    assertEquals(Set.of("a", "b"),
        FilesSinkRun.publish(dir, metadata, s3("--tableVersion=" + first)).predictions().keySet());
  }

  @Test
  void anIcebergCatalogTableOnS3NamesItsMetadataFileInOneLine() {
    PipelineOptions options = S3.configure(PipelineOptionsFactory.create());
    FileSystemSetup.configure(options, icebergOnS3.location());
    FileSystems.setDefaultPipelineOptions(options);
    LaunchException e = assertThrows(LaunchException.class,
        () -> ParquetInput.describe(icebergOnS3.location(), TableColumns.CLASSIC));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    assertTrue(e.getMessage().contains("give its current metadata file, e.g. --input=s3://"), e.getMessage());
  }

  /** Snapshot 1: a, b. Snapshot 2: b's file rewritten as c, d. Snapshot 3: e added. As IcebergTableTest's. */
  private static Table overwritten(Table table) throws IOException {
    DataFile first = write(table, row("a", 0.1), row("b", 0.2));
    table.newAppend().appendFile(first).commit();
    table.newOverwrite().deleteFile(first).addFile(write(table, row("c", 0.3), row("d", 0.4))).commit();
    table.newAppend().appendFile(write(table, row("e", 0.5))).commit();
    return table;
  }

  private static Record row(String id, double score) {
    Record record = GenericRecord.create(SCHEMA);
    record.setField("id_client", id);
    record.setField("class_0", score);
    record.setField("class_1", 1 - score);
    return record;
  }

  private static DataFile write(Table table, Record... rows) throws IOException {
    String location = table.locationProvider().newDataLocation("f" + System.nanoTime() + ".parquet");
    DataWriter<Record> writer = new GenericAppenderFactory(table.schema(), table.spec()).newDataWriter(
        EncryptedFiles.plainAsEncryptedOutput(table.io().newOutputFile(location)), FileFormat.PARQUET, null);
    try (writer) {
      for (Record row : rows) {
        writer.write(row);
      }
    }
    return writer.toDataFile();
  }

}
