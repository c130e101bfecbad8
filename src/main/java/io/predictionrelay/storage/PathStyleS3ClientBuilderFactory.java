package io.predictionrelay.storage;

import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Beam's S3 client builder (region, endpoint, credentials, HTTP settings from {@code AwsOptions}),
 * plus path-style addressing from {@code --s3PathStyleAccess}: Beam 2.62 offers no option for it,
 * only this hook ({@code --s3ClientFactoryClass}). {@link FileSystemSetup} installs it.
 */
public final class PathStyleS3ClientBuilderFactory implements S3ClientBuilderFactory {
  @Override
  public S3ClientBuilder createBuilder(S3Options options) {
    return new DefaultS3ClientBuilderFactory()
        .createBuilder(options)
        .forcePathStyle(options.as(StorageOptions.class).getS3PathStyleAccess());
  }
}
