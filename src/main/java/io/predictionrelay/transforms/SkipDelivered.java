package io.predictionrelay.transforms;

import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.model.RunMetrics;
import java.util.Arrays;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * For a resumed run: drops the predictions of buckets that the run's earlier attempts delivered
 * whole, before the shuffle, and counts them ({@link RunMetrics#PREDICTIONS_SKIPPED}). The same input
 * gives the same buckets, so what is dropped is exactly what is already on the topic.
 */
public final class SkipDelivered
    extends PTransform<PCollection<KV<Integer, Prediction>>, PCollection<KV<Integer, Prediction>>> {
  private final int[] completeBuckets;

  private SkipDelivered(int[] completeBuckets) {
    this.completeBuckets = completeBuckets;
  }

  /** Skips these buckets. */
  public static SkipDelivered buckets(int[] completeBuckets) {
    int[] sorted = completeBuckets.clone();
    Arrays.sort(sorted);
    return new SkipDelivered(sorted);
  }

  @Override
  public PCollection<KV<Integer, Prediction>> expand(PCollection<KV<Integer, Prediction>> keyed) {
    return keyed
        .apply("DropCompleteBuckets", ParDo.of(new DropFn(completeBuckets)))
        .setCoder(KvCoder.of(VarIntCoder.of(), PredictionCoder.of()));
  }

  static final class DropFn extends DoFn<KV<Integer, Prediction>, KV<Integer, Prediction>> {
    private final Counter skipped = RunMetrics.counter(RunMetrics.PREDICTIONS_SKIPPED);
    private final int[] complete;

    DropFn(int[] complete) {
      this.complete = complete;
    }

    @ProcessElement
    public void processElement(
        @Element KV<Integer, Prediction> row, OutputReceiver<KV<Integer, Prediction>> out) {
      if (Arrays.binarySearch(complete, row.getKey()) >= 0) {
        skipped.inc();
      } else {
        out.output(row);
      }
    }
  }
}
