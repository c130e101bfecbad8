package io.predictionrelay.transforms;

import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.MessageFormat;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.PCollection;
import org.apache.commons.codec.digest.MurmurHash3;

/**
 * The shuffle-free alternative to bucketing ({@code --grouping=bundle}): consecutive rows of a
 * bundle become messages, with the same caps. Nothing crosses the network before publishing, but
 * a message only holds rows of one input split, and which rows share a message depends on how the
 * runner splits the input. The message id is derived from the message's first id and its size, so
 * a re-run over the same splits yields the same keys.
 */
public final class BatchInBundles extends PTransform<PCollection<Prediction>, PCollection<MessageBatch>> {
  private final MessageFormat format;
  private final int maxPredictions;
  private final int maxBytes;

  private BatchInBundles(MessageFormat format, int maxPredictions, int maxBytes) {
    this.format = format;
    this.maxPredictions = maxPredictions;
    this.maxBytes = maxBytes;
  }

  public static BatchInBundles of(MessageFormat format, int maxPredictions, int maxBytes) {
    if (maxPredictions <= 0 || maxBytes <= 0) {
      throw new IllegalArgumentException("message caps must be positive, got " + maxPredictions + " and " + maxBytes);
    }
    return new BatchInBundles(format, maxPredictions, maxBytes);
  }

  @Override
  public PCollection<MessageBatch> expand(PCollection<Prediction> predictions) {
    return predictions
        .apply("CutBundles", ParDo.of(new CutBundleFn(format, maxPredictions, maxBytes)))
        .setCoder(MessageBatch.Coder.of());
  }

  /** The message id of a bundle message: a hash of its first id, and its size. */
  static MessageBatch message(List<Prediction> predictions) {
    byte[] first = predictions.get(0).idClient().getBytes(StandardCharsets.UTF_8);
    int hash = (int) (MurmurHash3.hash128x64(first, 0, first.length, 0)[0] & Integer.MAX_VALUE);
    return new MessageBatch(hash, predictions.size(), predictions);
  }

  static final class CutBundleFn extends DoFn<Prediction, MessageBatch> {
    private final MessageFormat format;
    private final int maxPredictions;
    private final int maxBytes;
    private transient MessageCutter cutter;

    CutBundleFn(MessageFormat format, int maxPredictions, int maxBytes) {
      this.format = format;
      this.maxPredictions = maxPredictions;
      this.maxBytes = maxBytes;
    }

    @Setup
    public void setup() {
      cutter = new MessageCutter(format, maxPredictions, maxBytes);
    }

    @ProcessElement
    public void processElement(@Element Prediction prediction, OutputReceiver<MessageBatch> out) {
      List<Prediction> closed = cutter.add(prediction);
      if (closed != null) {
        out.output(message(closed));
      }
    }

    @FinishBundle
    public void finishBundle(FinishBundleContext context) {
      List<Prediction> last = cutter.finish();
      if (last != null) {
        context.output(message(last), GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
      }
    }
  }

}
