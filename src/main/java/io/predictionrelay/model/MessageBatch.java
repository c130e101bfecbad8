package io.predictionrelay.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.VarIntCoder;

/**
 * The predictions of one future Kafka message: chunk {@code chunk} of bucket {@code bucket}. The
 * pair is the message's id, the same in every run over the same input.
 */
@DefaultCoder(MessageBatch.Coder.class)
public final class MessageBatch {
  private final int bucket;
  private final int chunk;
  private final List<Prediction> predictions;

  public MessageBatch(int bucket, int chunk, List<Prediction> predictions) {
    this.bucket = bucket;
    this.chunk = chunk;
    this.predictions = List.copyOf(predictions);
  }

  public int bucket() {
    return bucket;
  }

  public int chunk() {
    return chunk;
  }

  public List<Prediction> predictions() {
    return predictions;
  }

  /** The Kafka key: {@code <bucket>-<chunk>}. Consumers drop duplicates by it. */
  public String messageId() {
    return messageId(bucket, chunk);
  }

  public static String messageId(int bucket, int chunk) {
    return bucket + "-" + chunk;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof MessageBatch)) {
      return false;
    }
    MessageBatch other = (MessageBatch) o;
    return bucket == other.bucket && chunk == other.chunk && predictions.equals(other.predictions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(bucket, chunk, predictions);
  }

  @Override
  public String toString() {
    return messageId() + predictions;
  }

  /** Deterministic coder for {@link MessageBatch}. */
  public static final class Coder extends AtomicCoder<MessageBatch> {
    private static final Coder INSTANCE = new Coder();
    private static final VarIntCoder INT = VarIntCoder.of();
    private static final ListCoder<Prediction> PREDICTIONS = ListCoder.of(PredictionCoder.of());

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(MessageBatch value, OutputStream out) throws IOException {
      INT.encode(value.bucket, out);
      INT.encode(value.chunk, out);
      PREDICTIONS.encode(value.predictions, out);
    }

    @Override
    public MessageBatch decode(InputStream in) throws IOException {
      return new MessageBatch(INT.decode(in), INT.decode(in), PREDICTIONS.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
