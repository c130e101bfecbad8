package io.predictionrelay.transforms;

import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.model.PredictionSchema;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Splits each bucket into messages of at most {@code maxPredictions} predictions and at most
 * {@code maxBytes} of JSON. Rows are ordered by id first, so the same bucket always yields the same
 * messages under the same ids. Only the last message of a bucket can be short of the count cap.
 *
 * <p>A single prediction over the byte cap is an error here; {@link ReadPredictions} sends such
 * rows to the dead letters before they arrive.
 */
public final class BatchIntoMessages
    extends PTransform<PCollection<KV<Integer, Iterable<Prediction>>>, PCollection<MessageBatch>> {
  private final PredictionSchema schema;
  private final int maxPredictions;
  private final int maxBytes;

  private BatchIntoMessages(PredictionSchema schema, int maxPredictions, int maxBytes) {
    this.schema = schema;
    this.maxPredictions = maxPredictions;
    this.maxBytes = maxBytes;
  }

  public static BatchIntoMessages of(PredictionSchema schema) {
    return new BatchIntoMessages(schema, 10, 1_000_000);
  }

  public BatchIntoMessages withMaxPredictions(int maxPredictions) {
    if (maxPredictions <= 0) {
      throw new IllegalArgumentException(
          "maxPredictionsPerMessage must be positive, got " + maxPredictions);
    }
    return new BatchIntoMessages(schema, maxPredictions, maxBytes);
  }

  public BatchIntoMessages withMaxBytes(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxBytes);
    }
    return new BatchIntoMessages(schema, maxPredictions, maxBytes);
  }

  @Override
  public PCollection<MessageBatch> expand(PCollection<KV<Integer, Iterable<Prediction>>> buckets) {
    return buckets
        .apply("SplitBuckets", ParDo.of(new SplitBucketFn(schema, maxPredictions, maxBytes)))
        .setCoder(MessageBatch.Coder.of());
  }

  /**
   * Splits one bucket. Also counts repeated ids: one id always lands in one bucket, and sorting puts
   * its rows side by side, so counting them needs no global state.
   */
  public static final class SplitBucketFn extends DoFn<KV<Integer, Iterable<Prediction>>, MessageBatch> {
    public static final String REPEATED_IDS = "repeated_ids";

    private final Counter repeatedIds = Metrics.counter(SplitBucketFn.class, REPEATED_IDS);
    private final PredictionSchema schema;
    private final int maxPredictions;
    private final int maxBytes;
    private transient PredictionJson json;

    SplitBucketFn(PredictionSchema schema, int maxPredictions, int maxBytes) {
      this.schema = schema;
      this.maxPredictions = maxPredictions;
      this.maxBytes = maxBytes;
    }

    @Setup
    public void setup() {
      json = new PredictionJson(schema);
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Iterable<Prediction>> bucket, OutputReceiver<MessageBatch> out) {
      List<Prediction> rows = new ArrayList<>();
      bucket.getValue().forEach(rows::add);
      Collections.sort(rows);
      int id = bucket.getKey();
      int chunk = 0;
      MessageCutter cutter = new MessageCutter(json, maxPredictions, maxBytes);
      String previousId = null;
      for (Prediction prediction : rows) {
        if (prediction.idClient().equals(previousId)) {
          repeatedIds.inc();
        }
        previousId = prediction.idClient();
        List<Prediction> closed = cutter.add(prediction);
        if (closed != null) {
          out.output(new MessageBatch(id, chunk++, closed));
        }
      }
      List<Prediction> last = cutter.finish();
      if (last != null) {
        out.output(new MessageBatch(id, chunk, last));
      }
    }
  }
}
