package io.predictionrelay.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * The predictions of one future Kafka message and its id, the Kafka key. An id names the group the
 * message was cut from and its place in it, so it is unique within a run by construction, and the
 * same input gives the same messages under the same ids in every run: {@code <bucket>-<chunk>} for
 * bucketed grouping, {@code s<split>-<chunk>} for the shuffle-free grouping.
 */
@DefaultCoder(MessageBatch.Coder.class)
public final class MessageBatch {
  private final String id;
  private final List<Prediction> predictions;

  private MessageBatch(String id, List<Prediction> predictions) {
    this.id = Objects.requireNonNull(id, "id");
    this.predictions = List.copyOf(predictions);
  }

  /** Chunk {@code chunk} of bucket {@code bucket}. */
  public static MessageBatch inBucket(int bucket, int chunk, List<Prediction> predictions) {
    return new MessageBatch(bucket + "-" + chunk, predictions);
  }

  /** Chunk {@code chunk} of input split {@code split}. */
  public static MessageBatch inSplit(int split, int chunk, List<Prediction> predictions) {
    return new MessageBatch("s" + split + "-" + chunk, predictions);
  }

  /** The Kafka key. Consumers drop duplicates by it. */
  public String messageId() {
    return id;
  }

  public List<Prediction> predictions() {
    return predictions;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MessageBatch other
        && id.equals(other.id)
        && predictions.equals(other.predictions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, predictions);
  }

  @Override
  public String toString() {
    return id + predictions;
  }

  /** Deterministic coder for {@link MessageBatch}. */
  public static final class Coder extends AtomicCoder<MessageBatch> {
    private static final Coder INSTANCE = new Coder();
    private static final StringUtf8Coder ID = StringUtf8Coder.of();
    private static final ListCoder<Prediction> PREDICTIONS = ListCoder.of(PredictionCoder.of());

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(MessageBatch value, OutputStream out) throws IOException {
      ID.encode(value.id, out);
      PREDICTIONS.encode(value.predictions, out);
    }

    @Override
    public MessageBatch decode(InputStream in) throws IOException {
      return new MessageBatch(ID.decode(in), PREDICTIONS.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
