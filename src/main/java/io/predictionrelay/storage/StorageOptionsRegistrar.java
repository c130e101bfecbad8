package io.predictionrelay.storage;

import java.util.List;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;

/**
 * Makes {@link StorageOptions} known to every {@code PipelineOptionsFactory} (through
 * META-INF/services), so that {@code --s3PathStyleAccess} parses wherever Beam's own S3 and HDFS
 * options do, whatever options interface a tool reads.
 */
public final class StorageOptionsRegistrar implements PipelineOptionsRegistrar {
  @Override
  public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
    return List.of(StorageOptions.class);
  }
}
