package io.predictionrelay.transforms;

import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.model.MessageFormat;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;

/**
 * Encodes each message in its {@link MessageFormat} ({@link PredictionJson}), keyed by its message
 * id. Encoding happens after the shuffle, so only compact rows cross the network.
 */
public final class EncodeJson
    extends PTransform<PCollection<MessageBatch>, PCollection<EncodedMessage>> {
  private final MessageFormat format;

  private EncodeJson(MessageFormat format) {
    this.format = format;
  }

  public static EncodeJson of(MessageFormat format) {
    return new EncodeJson(format);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("format", format.toString()).withLabel("Message format"));
  }

  @Override
  public PCollection<EncodedMessage> expand(PCollection<MessageBatch> messages) {
    return messages
        .apply("ToJson", ParDo.of(new ToJsonFn(format)))
        .setCoder(EncodedMessage.Coder.of());
  }

  static final class ToJsonFn extends DoFn<MessageBatch, EncodedMessage> {
    private final MessageFormat format;
    private transient PredictionJson json;

    ToJsonFn(MessageFormat format) {
      this.format = format;
    }

    @Setup
    public void setup() {
      json = new PredictionJson(format);
    }

    @ProcessElement
    public void processElement(@Element MessageBatch batch, OutputReceiver<EncodedMessage> out) {
      out.output(
          new EncodedMessage(
              batch.messageId(), batch.predictions().size(), batch.last(), json.encode(batch.predictions())));
    }
  }
}
