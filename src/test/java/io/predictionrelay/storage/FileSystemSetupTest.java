package io.predictionrelay.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.List;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.common.ReflectHelpers;
import org.apache.beam.sdk.util.construction.PipelineOptionsTranslation;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

class FileSystemSetupTest {

  private static StorageOptions options(String... args) {
    // As a run parses them: StorageOptions are known through their registrar, not named here.
    return PipelineOptionsFactory.fromArgs(args).withValidation().create().as(StorageOptions.class);
  }

  private static String defaultFs(StorageOptions options) {
    List<Configuration> conf = options.getHdfsConfiguration();
    assertEquals(1, conf.size());
    return conf.get(0).get("fs.defaultFS");
  }

  private static String serialized(PipelineOptions options) throws Exception {
    return new ObjectMapper()
        .registerModules(ObjectMapper.findModules(ReflectHelpers.findClassLoader()))
        .writeValueAsString(options);
  }

  @Test
  void hdfsInputWithoutHadoopConfigurationGetsItsNameNodeAsDefaultFs() {
    StorageOptions options = options();
    FileSystemSetup.configure(options, "hdfs://127.0.0.1:8020/data/predictions/", "dead-letters");
    assertEquals("hdfs://127.0.0.1:8020", defaultFs(options));
  }

  @Test
  void theFirstHadoopPathDecidesAndGlobsNeedNotBeValidUris() {
    StorageOptions options = options();
    FileSystemSetup.configure(options, "data/x", "webhdfs://nn:9870/in/{a,b}*.parquet", "hdfs://other:8020/dl");
    assertEquals("webhdfs://nn:9870", defaultFs(options));
  }

  @Test
  void aConfiguredDefaultFsOfTheSameSchemeIsKept() {
    StorageOptions options = options("--hdfsConfiguration=[{\"fs.defaultFS\":\"hdfs://nn:8020\",\"dfs.replication\":\"2\"}]");
    FileSystemSetup.configure(options, "hdfs://other:9000/in/");
    assertEquals("hdfs://nn:8020", defaultFs(options));
  }

  @Test
  void aConfiguredDefaultFsOfAnotherSchemeIsReplacedKeepingTheRestOfTheConfiguration() {
    StorageOptions options = options("--hdfsConfiguration=[{\"fs.defaultFS\":\"file:///\",\"dfs.replication\":\"2\"}]");
    FileSystemSetup.configure(options, "hdfs://nn:8020/in/");
    assertEquals("hdfs://nn:8020", defaultFs(options));
    assertEquals("2", options.getHdfsConfiguration().get(0).get("dfs.replication"));
  }

  @Test
  void anHaNameServiceConfigurationIsKept() {
    StorageOptions options = options("--hdfsConfiguration=[{\"dfs.nameservices\":\"prod\"}]");
    FileSystemSetup.configure(options, "hdfs://prod/in/");
    assertNull(options.getHdfsConfiguration().get(0).get("fs.defaultFS"));
  }

  @Test
  void anHdfsPathWithoutNameNodeNeedsAConfiguration() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FileSystemSetup.configure(options(), "hdfs:///in/"));
    assertTrue(e.getMessage().startsWith("hdfs:///in/: no NameNode"), e.getMessage());
    assertTrue(e.getMessage().contains("HADOOP_CONF_DIR"), e.getMessage());
  }

  @Test
  void localAndObjectStorePathsLeaveHadoopAlone() {
    StorageOptions options = options();
    FileSystemSetup.configure(options, "data/predictions", "/tmp/x", "s3://bucket/in/", "gs://bucket/in/", null);
    assertNull(options.getHdfsConfiguration());
  }

  @Test
  void theHadoopConfigurationReachesWorkersThroughSerializedOptions() throws Exception {
    StorageOptions options = options();
    FileSystemSetup.configure(options, "hdfs://127.0.0.1:8020/in/");
    PipelineOptions worker = PipelineOptionsTranslation.fromProto(PipelineOptionsTranslation.toProto(options));
    assertEquals("hdfs://127.0.0.1:8020", defaultFs(worker.as(StorageOptions.class)));
  }

  @Test
  void pathStyleInstallsTheFactoryThatSetsIt() {
    StorageOptions options = options("--s3PathStyleAccess=true", "--endpoint=http://127.0.0.1:9000", "--awsRegion=eu-west-1");
    FileSystemSetup.configure(options, "s3://bucket/in/");
    assertEquals(PathStyleS3ClientBuilderFactory.class, options.getS3ClientFactoryClass());
    try (var client = new PathStyleS3ClientBuilderFactory().createBuilder(options).build()) {
      assertEquals(Region.EU_WEST_1, client.serviceClientConfiguration().region());
      assertEquals(URI.create("http://127.0.0.1:9000"), client.serviceClientConfiguration().endpointOverride().get());
      // Path style: the bucket in the path, not in the host name.
      assertEquals("http://127.0.0.1:9000/bucket/k",
          client.utilities().getUrl(b -> b.bucket("bucket").key("k")).toString());
    }
  }

  @Test
  void withoutPathStyleBeamsFactoryStays() {
    StorageOptions options = options("--awsRegion=eu-west-1");
    FileSystemSetup.configure(options, "s3://bucket/in/");
    assertEquals(DefaultS3ClientBuilderFactory.class, options.getS3ClientFactoryClass());
  }

  @Test
  void pathStyleRefusesAnotherFactory() {
    StorageOptions options = options("--s3PathStyleAccess=true",
        "--s3ClientFactoryClass=" + NoFactory.class.getName());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FileSystemSetup.configure(options, "s3://bucket/in/"));
    assertTrue(e.getMessage().contains("--s3PathStyleAccess"), e.getMessage());
  }

  /** A factory of someone else's. */
  public static final class NoFactory implements org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory {
    @Override
    public S3ClientBuilder createBuilder(org.apache.beam.sdk.io.aws2.options.S3Options options) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void aGivenRegionIsKept() {
    StorageOptions options = options("--awsRegion=ap-south-1", "--endpoint=http://127.0.0.1:9000");
    FileSystemSetup.configure(options, "s3://bucket/in/");
    assertEquals(Region.AP_SOUTH_1, options.getAwsRegion());
  }

  @Test
  void anS3CompatibleEndpointWithoutRegionSignsForUsEast1() {
    StorageOptions options = options("--endpoint=http://127.0.0.1:9000");
    FileSystemSetup.configure(options, "s3://bucket/in/");
    // The test JVMs have no AWS_REGION (see the surefire configuration); nor has CI.
    assertEquals(Region.US_EAST_1, options.getAwsRegion());
  }

  @Test
  void aRunWithoutS3PathsNeverAsksInstanceMetadataForARegion() throws Exception {
    StorageOptions options = options();
    FileSystemSetup.configure(options, "data/predictions", "hdfs://127.0.0.1:8020/dl");
    // Set, to none: Beam's default (the AWS SDK's region chain, which ends at EC2 instance
    // metadata) is never computed. Serialized options hold set values only.
    assertTrue(serialized(options).contains("\"awsRegion\":null"), serialized(options));
    assertNull(options.getAwsRegion());
  }

  @Test
  void s3aAndS3AreBothServed() {
    StorageOptions options = options("--awsRegion=eu-west-1");
    FileSystemSetup.configure(options, "s3a://bucket/in/");
    List<String> schemes = new java.util.ArrayList<>();
    new S3aFileSystemSchemeRegistrar().fromOptions(options).forEach(c -> schemes.add(c.getScheme()));
    new org.apache.beam.sdk.io.aws2.s3.DefaultS3FileSystemSchemeRegistrar().fromOptions(options)
        .forEach(c -> schemes.add(c.getScheme()));
    assertEquals(List.of("s3a", "s3"), schemes);
  }
}
