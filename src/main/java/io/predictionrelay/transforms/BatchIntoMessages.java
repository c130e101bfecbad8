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
 * <p>Sizes are only computed when the cap could bind: when even {@code maxPredictions} of the
 * bucket's largest possible objects fit, the count alone decides. A single prediction over the cap
 * is an error here; {@link ReadPredictions} sends such rows to the dead letters before they arrive.
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
      int largestBound = 0;
      for (Prediction prediction : bucket.getValue()) {
        rows.add(prediction);
        largestBound = Math.max(largestBound, json.maxObjectSize(prediction));
      }
      Collections.sort(rows);
      boolean measure =
          PredictionJson.messageSize((long) largestBound * maxPredictions, maxPredictions) > maxBytes;

      int id = bucket.getKey();
      int chunk = 0;
      List<Prediction> message = new ArrayList<>(maxPredictions);
      long objectBytes = 0;
      String previousId = null;
      for (Prediction prediction : rows) {
        if (prediction.idClient().equals(previousId)) {
          repeatedIds.inc();
        }
        previousId = prediction.idClient();
        int size = measure ? json.objectSize(prediction) : 0;
        if (measure && PredictionJson.messageSize(size, 1) > maxBytes) {
          throw new IllegalArgumentException(
              "prediction " + prediction.idClient() + " alone exceeds maxMessageBytes=" + maxBytes);
        }
        boolean full =
            message.size() == maxPredictions
                || (measure && PredictionJson.messageSize(objectBytes + size, message.size() + 1) > maxBytes);
        if (full) {
          out.output(new MessageBatch(id, chunk++, message));
          message.clear();
          objectBytes = 0;
        }
        message.add(prediction);
        objectBytes += size;
      }
      if (!message.isEmpty()) {
        out.output(new MessageBatch(id, chunk, message));
      }
    }
  }
}
