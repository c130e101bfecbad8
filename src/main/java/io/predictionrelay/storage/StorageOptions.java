package io.predictionrelay.storage;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.hdfs.HadoopFileSystemOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * How inputs and outputs on HDFS and S3 are reached: Beam's own options ({@code --hdfsConfiguration},
 * {@code --endpoint}, {@code --awsRegion}, ...) and the one S3 setting Beam has no option for.
 * Registered by {@link StorageOptionsRegistrar}, so every command line accepts them.
 */
public interface StorageOptions extends S3Options, HadoopFileSystemOptions {

  @Description(
      "Address S3 buckets path-style (http://endpoint/bucket/key) instead of virtual-hosted"
          + " (http://bucket.endpoint/key), as S3-compatible stores behind one host name or an IP"
          + " address need; use with --endpoint.")
  @Default.Boolean(false)
  boolean getS3PathStyleAccess();

  void setS3PathStyleAccess(boolean value);
}
