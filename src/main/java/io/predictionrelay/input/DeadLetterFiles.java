package io.predictionrelay.input;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.predictionrelay.model.DeadLetter;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions.StandardMoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * Writes the dead letters of one bundle as a JSON Lines file under a directory, through Beam's file
 * systems: into a hidden temporary file first, renamed to {@code dead-letters-<uuid>.jsonl} when the
 * bundle finishes, so a failed attempt leaves no visible file. Nothing is created for a bundle
 * without dead letters.
 *
 * <p>Why not a second output and TextIO: on the Spark runner, a DoFn with two outputs has its whole
 * output cached ({@code persist}) so that each output can be read, which cost 15% of the run time and
 * a copy of every row in memory, for the sake of rows that are almost always absent.
 */
public final class DeadLetterFiles {
  private static final JsonFactory JSON = new JsonFactory();
  private final ResourceId directory;
  private ResourceId temporary;
  private ResourceId target;
  private JsonGenerator out;

  public DeadLetterFiles(String directory) {
    this.directory = FileSystems.matchNewResource(directory, true);
  }

  public void write(DeadLetter deadLetter) throws IOException {
    if (out == null) {
      String name = "dead-letters-" + UUID.randomUUID() + ".jsonl";
      target = directory.resolve(name, StandardResolveOptions.RESOLVE_FILE);
      temporary = directory.resolve("." + name + ".tmp", StandardResolveOptions.RESOLVE_FILE);
      out = JSON.createGenerator(Channels.newOutputStream(FileSystems.create(temporary, MimeTypes.TEXT)))
          .setRootValueSeparator(null); // one object a line, the newline written after each, no space
    }
    deadLetter.writeJson(out);
    out.writeRaw('\n');
  }

  /** Makes this bundle's dead letters visible; call when the bundle finishes. */
  public void commit() throws IOException {
    if (out != null) {
      out.close();
      out = null;
      FileSystems.rename(List.of(temporary), List.of(target), StandardMoveOptions.IGNORE_MISSING_FILES);
    }
  }

  /** Drops an unfinished bundle's file. */
  public void abort() throws IOException {
    if (out != null) {
      out.close();
      out = null;
      FileSystems.delete(List.of(temporary), StandardMoveOptions.IGNORE_MISSING_FILES);
    }
  }
}
