package io.predictionrelay.transforms;

import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.model.PredictionSchema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * Encodes each message as a JSON array of prediction objects ({@link PredictionJson}), keyed by its
 * message id. Encoding happens after the shuffle, so only compact rows cross the network.
 */
public final class EncodeJson
    extends PTransform<PCollection<MessageBatch>, PCollection<EncodedMessage>> {
  private final PredictionSchema schema;

  private EncodeJson(PredictionSchema schema) {
    this.schema = schema;
  }

  public static EncodeJson of(PredictionSchema schema) {
    return new EncodeJson(schema);
  }

  @Override
  public PCollection<EncodedMessage> expand(PCollection<MessageBatch> messages) {
    return messages
        .apply("ToJson", ParDo.of(new ToJsonFn(schema)))
        .setCoder(EncodedMessage.Coder.of());
  }

  static final class ToJsonFn extends DoFn<MessageBatch, EncodedMessage> {
    private final PredictionSchema schema;
    private transient PredictionJson json;

    ToJsonFn(PredictionSchema schema) {
      this.schema = schema;
    }

    @Setup
    public void setup() {
      json = new PredictionJson(schema);
    }

    @ProcessElement
    public void processElement(@Element MessageBatch batch, OutputReceiver<EncodedMessage> out) {
      out.output(
          new EncodedMessage(
              batch.messageId(), batch.predictions().size(), json.encode(batch.predictions())));
    }
  }
}
