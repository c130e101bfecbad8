package io.predictionrelay.transforms;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.predictionrelay.model.EncodedMessage;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;

/**
 * The dry-run sink: writes each message as one JSON line, {@code {"key":…,"predictions":n,"value":[…]}},
 * under a directory instead of publishing it.
 */
public final class WriteMessageFiles extends PTransform<PCollection<EncodedMessage>, PDone> {
  private static final JsonFactory JSON = new JsonFactory();
  private final String directory;

  private WriteMessageFiles(String directory) {
    this.directory = directory;
  }

  public static WriteMessageFiles to(String directory) {
    return new WriteMessageFiles(directory);
  }

  @Override
  public PDone expand(PCollection<EncodedMessage> messages) {
    messages
        .apply("CountMessages", ParDo.of(new CountMessagesFn()))
        .apply("ToJsonLines", ParDo.of(new ToLineFn()))
        .setCoder(StringUtf8Coder.of())
        .apply("WriteJsonLines", TextIO.write().to(directory + "/messages").withSuffix(".jsonl"));
    return PDone.in(messages.getPipeline());
  }

  /** One message as a JSON line (without its newline): the value as it is published, unparsed. */
  public static String toLine(EncodedMessage message) {
    StringWriter out = new StringWriter();
    try (JsonGenerator gen = JSON.createGenerator(out)) {
      gen.writeStartObject();
      gen.writeStringField("key", message.key());
      gen.writeNumberField("predictions", message.predictionCount());
      gen.writeFieldName("value");
      gen.writeRawValue(message.valueAsString());
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  static final class ToLineFn extends DoFn<EncodedMessage, String> {
    @ProcessElement
    public void processElement(@Element EncodedMessage message, OutputReceiver<String> out) {
      out.output(toLine(message));
    }
  }
}
