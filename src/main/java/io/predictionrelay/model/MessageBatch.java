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
 * same input gives the same messages under the same ids in every run: {@code <bucket>-<batch>} for
 * bucketed grouping, {@code s<split>-<batch>} for the shuffle-free grouping.
 */
@DefaultCoder(MessageBatch.Coder.class)
public final class MessageBatch {
  private final String id;
  private final boolean last;
  private final List<Prediction> predictions;

  private MessageBatch(String id, boolean last, List<Prediction> predictions) {
    this.id = Objects.requireNonNull(id, "id");
    this.last = last;
    this.predictions = List.copyOf(predictions);
  }

  /** Batch {@code batch} of bucket {@code bucket}, not its last. */
  public static MessageBatch inBucket(int bucket, int batch, List<Prediction> predictions) {
    return new MessageBatch(MessageId.ofBucket(bucket, batch).toString(), false, predictions);
  }

  /** The last batch of bucket {@code bucket}: the bucket is complete once batches 0 to this one arrived. */
  public static MessageBatch lastInBucket(int bucket, int batch, List<Prediction> predictions) {
    return new MessageBatch(MessageId.ofBucket(bucket, batch).toString(), true, predictions);
  }

  /** Batch {@code batch} of input split {@code split}, not its last. */
  public static MessageBatch inSplit(int split, int batch, List<Prediction> predictions) {
    return new MessageBatch(MessageId.ofSplit(split, batch).toString(), false, predictions);
  }

  /** The last batch of input split {@code split}. */
  public static MessageBatch lastInSplit(int split, int batch, List<Prediction> predictions) {
    return new MessageBatch(MessageId.ofSplit(split, batch).toString(), true, predictions);
  }

  /**
   * This message under {@code prefix + id}: an incremental run's keys ({@code c<changes>-<bucket>-<batch>}),
   * unique across the incremental runs of a topic and the same for the same changes.
   */
  public MessageBatch withIdPrefix(String prefix) {
    return new MessageBatch(prefix + id, last, predictions);
  }

  /** The Kafka key. Consumers drop duplicates by it. */
  public String messageId() {
    return id;
  }

  /** Whether this is the last batch of its bucket or split. */
  public boolean last() {
    return last;
  }

  public List<Prediction> predictions() {
    return predictions;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MessageBatch other
        && id.equals(other.id)
        && last == other.last
        && predictions.equals(other.predictions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, last, predictions);
  }

  @Override
  public String toString() {
    return id + (last ? " (last)" : "") + predictions;
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
      out.write(value.last ? 1 : 0);
      PREDICTIONS.encode(value.predictions, out);
    }

    @Override
    public MessageBatch decode(InputStream in) throws IOException {
      String id = ID.decode(in);
      int last = in.read();
      if (last < 0) {
        throw new java.io.EOFException("message " + id + ": no last flag");
      }
      return new MessageBatch(id, last == 1, PREDICTIONS.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
