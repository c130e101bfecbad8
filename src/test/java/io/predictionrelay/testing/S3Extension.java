package io.predictionrelay.testing;

import io.predictionrelay.servers.LocalS3;
import io.predictionrelay.storage.StorageOptions;
import java.net.URI;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server (S3Proxy) with a bucket, on a free loopback port: started before
 * the first test class that needs it and killed when the test JVM's last test is done, also when
 * tests fail. Runs reach it through {@link #configure} (in-process) or {@link #args} (a command line).
 */
public final class S3Extension implements BeforeAllCallback {
  private final String bucket;
  private LocalS3 s3;

  public S3Extension() {
    this("test-bucket");
  }

  public S3Extension(String bucket) {
    this.bucket = bucket;
  }

  public URI endpoint() {
    return s3.endpoint();
  }

  public String bucket() {
    return bucket;
  }

  /** {@code s3://<bucket>/<key>}; a key ending in '/' names a directory. */
  public String path(String key) {
    return "s3://" + bucket + "/" + key;
  }

  /**
   * Gives {@code options} what a run against this server needs: the endpoint, path-style
   * addressing, a region, and the test identity. (A real run takes credentials from the
   * environment or profile files; a test JVM cannot set its own environment.)
   */
  public <T extends PipelineOptions> T configure(T options) {
    StorageOptions storage = options.as(StorageOptions.class);
    storage.setEndpoint(s3.endpoint());
    storage.setS3PathStyleAccess(true);
    storage.setAwsRegion(LocalS3.REGION);
    storage.setAwsCredentialsProvider(
        StaticCredentialsProvider.create(AwsBasicCredentials.create(LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY)));
    return options;
  }

  /** The same as {@link #configure}, as command-line arguments. */
  public List<String> args() {
    return List.of(
        "--endpoint=" + s3.endpoint(),
        "--s3PathStyleAccess=true",
        "--awsRegion=" + LocalS3.REGION.id(),
        "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\",\"accessKeyId\":\""
            + LocalS3.ACCESS_KEY + "\",\"secretAccessKey\":\"" + LocalS3.SECRET_KEY + "\"}");
  }

  /** An AWS SDK client of this server, to put or inspect objects independently of Beam; close it. */
  public S3Client client() {
    return LocalS3.client(s3.endpoint());
  }

  public LocalS3 s3() {
    return s3;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    s3 = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Shared.class, key -> Shared.start(), Shared.class).s3;
    s3.createBucket(bucket);
  }

  /** The one S3 server of the test JVM, started once (each class keeps to keys of its own); JUnit closes it last. */
  private static final class Shared implements ExtensionContext.Store.CloseableResource {
    final LocalS3 s3;

    private Shared(LocalS3 s3) {
      this.s3 = s3;
    }

    static Shared start() {
      try {
        return new Shared(LocalS3.createForTest().start());
      } catch (Exception e) {
        throw new IllegalStateException("the test S3 server did not start", e);
      }
    }

    @Override
    public void close() throws Exception {
      s3.kill();
    }
  }
}
