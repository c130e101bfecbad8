package io.predictionrelay.transforms;

import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * Keys each prediction by its bucket: MurmurHash3 (x64, 128-bit, first half) of the UTF-8 bytes of
 * {@code id_client}, modulo the bucket count. The same id lands in the same bucket in every JVM,
 * runner and run, with no global ordering and no extra pass.
 */
public final class AssignBucket
    extends PTransform<PCollection<Prediction>, PCollection<KV<Integer, Prediction>>> {
  private final int buckets;

  private AssignBucket(int buckets) {
    this.buckets = buckets;
  }

  public static AssignBucket into(int buckets) {
    if (buckets <= 0) {
      throw new IllegalArgumentException("numBuckets must be positive, got " + buckets);
    }
    return new AssignBucket(buckets);
  }

  /** G = ceil(totalRows / rowsPerBucket), at least 1 and at most {@link Integer#MAX_VALUE}. */
  public static int bucketsFor(long totalRows, long rowsPerBucket) {
    if (rowsPerBucket <= 0) {
      throw new IllegalArgumentException("rowsPerBucket must be positive, got " + rowsPerBucket);
    }
    long buckets = (totalRows + rowsPerBucket - 1) / rowsPerBucket;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, buckets));
  }

  /** The bucket of one id. */
  public static int bucketOf(String idClient, int buckets) {
    byte[] bytes = idClient.getBytes(StandardCharsets.UTF_8);
    long hash = MurmurHash3.hash128x64(bytes, 0, bytes.length, 0)[0];
    return (int) Math.floorMod(hash, (long) buckets);
  }

  @Override
  public PCollection<KV<Integer, Prediction>> expand(PCollection<Prediction> predictions) {
    return predictions
        .apply("KeyByBucket", ParDo.of(new KeyByBucketFn(buckets)))
        .setCoder(KvCoder.of(VarIntCoder.of(), PredictionCoder.of()));
  }

  static final class KeyByBucketFn extends DoFn<Prediction, KV<Integer, Prediction>> {
    private final int buckets;

    KeyByBucketFn(int buckets) {
      this.buckets = buckets;
    }

    @ProcessElement
    public void processElement(@Element Prediction prediction, OutputReceiver<KV<Integer, Prediction>> out) {
      out.output(KV.of(bucketOf(prediction.idClient(), buckets), prediction));
    }
  }
}
