package io.predictionrelay.transforms;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.SplitReader;
import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;

/**
 * The shuffle-free alternative to bucketing ({@code --grouping=bundle}): what {@link ReadSplits}
 * does with the rows of each split, which become messages, with the same caps, as the split is read.
 * Nothing crosses the network before publishing. A message never spans two splits and the rows of a
 * split are cut in file order, so batch {@code k} of split {@code s}, id {@code s<s>-<k>}, holds the
 * same rows in every attempt and every run over the same input, however the runner groups splits
 * into bundles.
 */
public final class BatchInSplits implements ReadSplits.Rows<MessageBatch> {
  private final MessageFormat format;
  private final int maxPredictions;
  private final int maxBytes;

  private BatchInSplits(MessageFormat format, int maxPredictions, int maxBytes) {
    this.format = format;
    this.maxPredictions = maxPredictions;
    this.maxBytes = maxBytes;
  }

  /**
   * Cuts into messages of {@code format}, of at most {@code maxPredictions} predictions and
   * {@code maxBytes} bytes of JSON (the caps have no defaults here: they are the options').
   */
  public static BatchInSplits of(MessageFormat format, int maxPredictions, int maxBytes) {
    return new BatchInSplits(format, 1, 1).withMaxPredictions(maxPredictions).withMaxBytes(maxBytes);
  }

  /** The same, with another count cap. */
  public BatchInSplits withMaxPredictions(int maxPredictions) {
    if (maxPredictions <= 0) {
      throw new IllegalArgumentException("maxPredictionsPerMessage must be positive, got " + maxPredictions);
    }
    return new BatchInSplits(format, maxPredictions, maxBytes);
  }

  /** The same, with another byte cap. */
  public BatchInSplits withMaxBytes(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxBytes);
    }
    return new BatchInSplits(format, maxPredictions, maxBytes);
  }

  @Override
  public String stepName() {
    return "BatchInSplits";
  }

  @Override
  public ReadSplitsFn<MessageBatch> readingWith(SplitReader reader) {
    return new CutSplitFn(reader, format, maxPredictions, maxBytes);
  }

  @Override
  public Coder<MessageBatch> coder() {
    return MessageBatch.Coder.of();
  }

  static final class CutSplitFn extends ReadSplitsFn<MessageBatch> {
    private final MessageFormat format;
    private final int maxPredictions;
    private final int maxBytes;
    private transient Batcher batcher;

    CutSplitFn(SplitReader reader, MessageFormat format, int maxPredictions, int maxBytes) {
      super(reader);
      this.format = format;
      this.maxPredictions = maxPredictions;
      this.maxBytes = maxBytes;
    }

    @Override
    protected void setupRows() {
      batcher = new Batcher(format, maxPredictions, maxBytes);
    }

    @Override
    protected void processSplit(InputSplit split, OutputReceiver<MessageBatch> out) throws IOException {
      int[] batch = {0};
      readRows(split, prediction -> {
        List<Prediction> closed = batcher.add(prediction);
        if (closed != null) {
          out.output(MessageBatch.inSplit(split.index(), batch[0]++, closed));
        }
      });
      List<Prediction> last = batcher.finish();
      if (last != null) {
        out.output(MessageBatch.lastInSplit(split.index(), batch[0], last));
      }
    }
  }
}
