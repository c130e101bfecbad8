package io.predictionrelay.tools;

import io.predictionrelay.model.OptionValues;
import io.predictionrelay.storage.FileSystemSetup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * Copies files between any file systems Beam knows, so that Parquet inputs can be put on HDFS or S3
 * with nothing but this project (no Hadoop or AWS command-line client):
 * {@code --from=data/predictions --to=hdfs://127.0.0.1:8020/predictions/}. The same options as a
 * run reach S3 ({@code --endpoint}, {@code --s3PathStyleAccess}, credentials from the environment).
 */
public final class CopyFiles {
  private CopyFiles() {}

  /**
   * Copies what {@code from} names (a local directory: its {@code .parquet} files; otherwise a file
   * or glob) into the directory {@code to}, file names kept; returns the files written.
   */
  public static List<ResourceId> copy(String from, String to) throws IOException {
    String spec = isLocalDirectory(from) ? from.replaceAll("/+$", "") + "/*.parquet" : from;
    MatchResult match = FileSystems.match(spec);
    ResourceId directory = FileSystems.matchNewResource(to, true);
    List<ResourceId> written = new ArrayList<>();
    for (MatchResult.Metadata file : match.metadata()) {
      ResourceId target = directory.resolve(file.resourceId().getFilename(), StandardResolveOptions.RESOLVE_FILE);
      try (InputStream in = Channels.newInputStream(FileSystems.open(file.resourceId()));
          OutputStream out = Channels.newOutputStream(FileSystems.create(target, MimeTypes.BINARY))) {
        in.transferTo(out);
      }
      written.add(target);
    }
    if (written.isEmpty()) {
      throw new IOException(from + ": nothing to copy");
    }
    return written;
  }

  private static boolean isLocalDirectory(String path) {
    return !path.contains("://") && Files.isDirectory(Path.of(path));
  }

  /** The command line, read by Beam's {@link PipelineOptionsFactory} with the file systems' own options. */
  public interface Options extends PipelineOptions {
    @Description("What to copy: a local directory (its .parquet files), a file or a glob, on any file system.")
    String getFrom();

    void setFrom(String value);

    @Description("The directory to copy into, e.g. hdfs://127.0.0.1:8020/predictions/ or s3://bucket/dir/.")
    String getTo();

    void setTo(String value);
  }

  /** {@code --from=PATH --to=DIR/ [Beam options such as --endpoint=URL --s3PathStyleAccess=true]}. */
  public static void main(String[] args) throws IOException {
    Options options;
    try {
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(Options.class);
      if (options.getFrom() == null || options.getTo() == null) {
        throw new IllegalArgumentException("--" + (options.getFrom() == null ? "from" : "to") + " is required");
      }
      FileSystemSetup.configure(options, options.getFrom(), options.getTo());
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + OptionValues.describe(e, args));
      System.exit(2);
      return;
    }
    FileSystems.setDefaultPipelineOptions(options);
    List<ResourceId> written = copy(options.getFrom(), options.getTo());
    System.out.println("copied " + written.size() + " files to " + options.getTo());
  }
}
