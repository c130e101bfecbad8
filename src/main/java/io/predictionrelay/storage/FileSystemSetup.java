package io.predictionrelay.storage;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.hadoop.conf.Configuration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;

/**
 * Completes the file-system options of a run from the paths it will touch, so that
 * {@code --input=hdfs://host:port/dir/} or {@code --input=s3://bucket/dir/} work with nothing else
 * configured. Call it before {@code FileSystems.setDefaultPipelineOptions(options)} and before the
 * pipeline is built: Beam registers file systems from the options, on the driver and, from the
 * serialized options, on every worker.
 */
public final class FileSystemSetup {
  /** The schemes Beam's Hadoop file system serves. */
  public static final Set<String> HADOOP_SCHEMES = Set.of("hdfs", "webhdfs", "viewfs");
  /** The schemes Beam's S3 file system serves here. */
  public static final Set<String> S3_SCHEMES = Set.of("s3", S3aFileSystemSchemeRegistrar.SCHEME);

  private FileSystemSetup() {}

  /**
   * The Hadoop configuration that Delta Kernel and Iceberg read the table with: {@code core-site.xml}
   * and {@code hdfs-site.xml} from the classpath (as under {@code spark-submit}) and from
   * {@code HADOOP_CONF_DIR} (as Beam's Hadoop file system and Hadoop's own clients find them);
   * {@code s3://} and {@code s3a://} served by {@link BeamHadoopFileSystem}.
   */
  public static Configuration hadoopConfiguration() {
    Configuration conf = new Configuration();
    // s3:// and s3a:// through Beam's S3 file system, as the data files. Left in Hadoop's file system
    // cache: Delta Kernel 3.3 reads checkpoints with a Configuration of its own (Parquet's default),
    // which finds the bucket's file system only there.
    for (String scheme : FileSystemSetup.S3_SCHEMES) {
      conf.set("fs." + scheme + ".impl", BeamHadoopFileSystem.class.getName());
    }
    String confDir = System.getenv("HADOOP_CONF_DIR");
    if (confDir != null && !confDir.isBlank()) {
      for (String name : List.of("core-site.xml", "hdfs-site.xml")) {
        java.io.File file = new java.io.File(confDir, name);
        if (file.isFile()) {
          conf.addResource(new org.apache.hadoop.fs.Path(file.toURI()));
        }
      }
    }
    return conf;
  }

  /**
   * Sets what {@code options} lack for {@code uris} (input, dead-letter and output locations; local
   * paths and nulls are ignored):
   *
   * <ul>
   *   <li>HDFS: Beam registers {@code hdfs://} only for the Hadoop configuration in
   *       {@code --hdfsConfiguration} (by default read from HADOOP_CONF_DIR or YARN_CONF_DIR), and
   *       only for the scheme of its {@code fs.defaultFS}. When that does not serve the first
   *       Hadoop URI's scheme, {@code fs.defaultFS} becomes that URI's scheme and authority (over
   *       a copy of the configuration found, or alone). Paths always name their NameNode, so other
   *       authorities of the same scheme work too.
   *   <li>S3: {@code --s3PathStyleAccess} installs {@link PathStyleS3ClientBuilderFactory}. Without
   *       {@code --awsRegion}, the region comes from AWS_REGION, {@code -Daws.region} or the
   *       profile file; failing those, us-east-1 when {@code --endpoint} names an S3-compatible
   *       store; failing that, it is left to the AWS SDK (which asks EC2's instance metadata), but
   *       only if an S3 path is used: Beam resolves the region when it registers its file systems,
   *       for every run, and a run that touches no S3 path must not wait on instance metadata.
   * </ul>
   *
   * @throws IllegalArgumentException naming the option or path that cannot work
   */
  public static void configure(PipelineOptions options, String... uris) {
    List<String> given = Arrays.stream(uris).filter(Objects::nonNull).toList();
    StorageOptions storage = options.as(StorageOptions.class);
    configureHadoop(storage, given);
    configureS3(storage, given.stream().map(FileSystemSetup::uriOf).filter(Objects::nonNull).toList());
  }

  private static void configureHadoop(StorageOptions options, List<String> given) {
    Optional<String> first = given.stream()
        .filter(p -> uriOf(p) != null && HADOOP_SCHEMES.contains(uriOf(p).getScheme())).findFirst();
    if (first.isEmpty()) {
      return;
    }
    URI path = uriOf(first.get());
    List<Configuration> found = options.getHdfsConfiguration();
    if (found != null && found.size() > 1) {
      return; // Beam's registrar refuses more than one, with its own message
    }
    Configuration conf = found == null || found.isEmpty() ? new Configuration(false) : new Configuration(found.get(0));
    String defaultFs = conf.get(DEFAULT_FS);
    boolean served = defaultFs != null && path.getScheme().equals(URI.create(defaultFs).getScheme());
    boolean haServed = !conf.getTrimmed("dfs.nameservices", "").isEmpty();
    if (served || haServed) {
      return;
    }
    if (path.getAuthority() == null) {
      throw new IllegalArgumentException(
          first.get() + ": no NameNode in the path and none configured: write " + path.getScheme()
              + "://host:port/..., or set HADOOP_CONF_DIR or --hdfsConfiguration");
    }
    conf.set(DEFAULT_FS, path.getScheme() + "://" + path.getAuthority());
    options.setHdfsConfiguration(List.of(conf));
  }

  private static void configureS3(StorageOptions options, List<URI> paths) {
    if (options.getS3PathStyleAccess()) {
      Class<?> factory = options.getS3ClientFactoryClass();
      if (factory.equals(DefaultS3ClientBuilderFactory.class)) {
        options.setS3ClientFactoryClass(PathStyleS3ClientBuilderFactory.class);
      } else if (!factory.equals(PathStyleS3ClientBuilderFactory.class)) {
        throw new IllegalArgumentException(
            "--s3PathStyleAccess works with Beam's own --s3ClientFactoryClass, not " + factory.getName());
      }
    }
    if (isSet(options, "awsRegion")) {
      return;
    }
    Region region = regionWithoutInstanceMetadata();
    if (region == null && options.getEndpoint() != null) {
      region = Region.US_EAST_1;
    }
    boolean usesS3 = paths.stream().anyMatch(u -> S3_SCHEMES.contains(u.getScheme()));
    if (region != null || !usesS3) {
      options.setAwsRegion(region);
    }
  }

  /** Whether an option was given (on the command line, or set), without computing its default. */
  private static boolean isSet(PipelineOptions options, String name) {
    // Beam's display data of options lists exactly the explicitly set ones.
    return DisplayData.from(options).items().stream().anyMatch(item -> item.getKey().equals(name));
  }

  private static Region regionWithoutInstanceMetadata() {
    try {
      return new AwsRegionProviderChain(new SystemSettingsRegionProvider(), new AwsProfileRegionProvider())
          .getRegion();
    } catch (SdkClientException none) {
      return null;
    }
  }

  /** The scheme and authority of a path, as a URI: the rest may be a glob that is no valid URI. */
  private static URI uriOf(String path) {
    Matcher m = SCHEME_AUTHORITY.matcher(path);
    if (!m.matches()) {
      return null; // a local path
    }
    try {
      return new URI(m.group(1).toLowerCase(Locale.ROOT), m.group(2).isEmpty() ? null : m.group(2), "/", null, null);
    } catch (URISyntaxException notAnAuthority) {
      return null; // Beam will say what is wrong with it
    }
  }

  private static final Pattern SCHEME_AUTHORITY = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*)://([^/]*)(/.*)?");
  private static final String DEFAULT_FS = "fs.defaultFS";
}
