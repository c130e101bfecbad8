package io.predictionrelay.transforms;

import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.MessageFormat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import io.predictionrelay.model.RunMetrics;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Splits each bucket into messages of at most {@code maxPredictions} predictions and at most
 * {@code maxBytes} of JSON. Rows are ordered by id first, so the same bucket always yields the same
 * messages under the same ids. Only the last message of a bucket can be short of the count cap.
 *
 * <p>A single prediction over the byte cap is an error here; {@link ReadSplits} sends such
 * rows to the dead letters before they arrive.
 */
public final class BatchIntoMessages
    extends PTransform<PCollection<KV<Integer, Iterable<Prediction>>>, PCollection<MessageBatch>> {
  private final MessageFormat format;
  private final int maxPredictions;
  private final int maxBytes;

  private BatchIntoMessages(MessageFormat format, int maxPredictions, int maxBytes) {
    this.format = format;
    this.maxPredictions = maxPredictions;
    this.maxBytes = maxBytes;
  }

  /**
   * Cuts into messages of {@code format}, of at most {@code maxPredictions} predictions and
   * {@code maxBytes} bytes of JSON (the caps have no defaults here: they are the options').
   */
  public static BatchIntoMessages of(MessageFormat format, int maxPredictions, int maxBytes) {
    return new BatchIntoMessages(format, 1, 1).withMaxPredictions(maxPredictions).withMaxBytes(maxBytes);
  }

  /** The same, with another count cap. */
  public BatchIntoMessages withMaxPredictions(int maxPredictions) {
    if (maxPredictions <= 0) {
      throw new IllegalArgumentException(
          "maxPredictionsPerMessage must be positive, got " + maxPredictions);
    }
    return new BatchIntoMessages(format, maxPredictions, maxBytes);
  }

  /** The same, with another byte cap. */
  public BatchIntoMessages withMaxBytes(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxBytes);
    }
    return new BatchIntoMessages(format, maxPredictions, maxBytes);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("format", format.toString()).withLabel("Message format"))
        .add(DisplayData.item("maxPredictions", maxPredictions).withLabel("Predictions per message, at most"))
        .add(DisplayData.item("maxBytes", maxBytes).withLabel("Bytes per message, at most"));
  }

  @Override
  public PCollection<MessageBatch> expand(PCollection<KV<Integer, Iterable<Prediction>>> buckets) {
    return buckets
        .apply("SplitBuckets", ParDo.of(new SplitBucketFn(format, maxPredictions, maxBytes)))
        .setCoder(MessageBatch.Coder.of());
  }

  /**
   * Splits one bucket. Also counts repeated ids: one id always lands in one bucket, and sorting puts
   * its rows side by side, so counting them needs no global state.
   */
  static final class SplitBucketFn extends DoFn<KV<Integer, Iterable<Prediction>>, MessageBatch> {
    private final Counter repeatedIds = RunMetrics.counter(RunMetrics.REPEATED_IDS);
    private final Counter fullMessages = RunMetrics.counter(RunMetrics.FULL_MESSAGES);
    private final Distribution bucketRows = RunMetrics.distribution(RunMetrics.BUCKET_ROWS);
    private transient Map<Integer, Counter> bins;
    private final MessageFormat format;
    private final int maxPredictions;
    private final int maxBytes;
    private transient Batcher batcher;

    SplitBucketFn(MessageFormat format, int maxPredictions, int maxBytes) {
      this.format = format;
      this.maxPredictions = maxPredictions;
      this.maxBytes = maxBytes;
    }

    @Setup
    public void setup() {
      batcher = new Batcher(format, maxPredictions, maxBytes);
      bins = new HashMap<>();
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<Prediction>> bucket, OutputReceiver<MessageBatch> out) {
      List<Prediction> rows = new ArrayList<>();
      bucket.getValue().forEach(rows::add);
      Collections.sort(rows);
      bucketRows.update(rows.size());
      int bin = RunMetrics.binOf(rows.size());
      bins.computeIfAbsent(bin, b -> RunMetrics.counter(RunMetrics.bucketRowsBin(b))).inc();
      int id = bucket.getKey();
      int batch = 0;
      String previousId = null;
      for (Prediction prediction : rows) {
        if (prediction.id().equals(previousId)) {
          repeatedIds.inc();
        }
        previousId = prediction.id();
        List<Prediction> closed = batcher.add(prediction);
        if (closed != null) {
          fullMessages.inc(); // closed because the next row did not fit: full by count or bytes
          out.output(MessageBatch.inBucket(id, batch++, closed));
        }
      }
      List<Prediction> last = batcher.finish();
      if (last != null) {
        if (last.size() == maxPredictions) {
          fullMessages.inc();
        }
        out.output(MessageBatch.lastInBucket(id, batch, last));
      }
    }
  }
}
