package io.predictionrelay.storage;

import java.util.List;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.S3FileSystemConfiguration;
import org.apache.beam.sdk.io.aws2.s3.S3FileSystemSchemeRegistrar;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Serves {@code s3a://bucket/key}, the spelling Spark and Hadoop jobs use, with Beam's S3 file
 * system and the same S3 options as {@code s3://} (registered through META-INF/services beside
 * Beam's own {@code s3} registrar). Hadoop's S3A connector itself is not used: it is not in the
 * shaded Hadoop client, and one S3 client configuration is simpler to get right than two.
 */
public final class S3aFileSystemSchemeRegistrar implements S3FileSystemSchemeRegistrar {
  public static final String SCHEME = "s3a";

  @Override
  public Iterable<S3FileSystemConfiguration> fromOptions(PipelineOptions options) {
    return List.of(
        S3FileSystemConfiguration.builderFrom(options.as(S3Options.class)).setScheme(SCHEME).build());
  }
}
