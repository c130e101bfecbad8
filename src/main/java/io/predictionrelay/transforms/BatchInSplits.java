package io.predictionrelay.transforms;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.SplitReader;
import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * The shuffle-free alternative to bucketing ({@code --grouping=bundle}): consecutive rows of each
 * input split become messages, with the same caps, as the split is read. Nothing crosses the
 * network before publishing. A message never spans two splits and the rows of a split are cut in
 * file order, so batch {@code k} of split {@code s}, id {@code s<s>-<k>}, holds the same rows in
 * every attempt and every run over the same input, however the runner groups splits into bundles.
 */
public final class BatchInSplits extends PTransform<PBegin, PCollection<MessageBatch>> {
  private final ReadPredictions read;
  private final MessageFormat format;
  private final int maxPredictions;
  private final int maxBytes;

  private BatchInSplits(ReadPredictions read, MessageFormat format, int maxPredictions, int maxBytes) {
    this.read = read;
    this.format = format;
    this.maxPredictions = maxPredictions;
    this.maxBytes = maxBytes;
  }

  /** Reads as {@code read} is configured; caps must be given with the {@code with} methods. */
  public static BatchInSplits of(ReadPredictions read) {
    return new BatchInSplits(read, read.format(), 0, 0);
  }

  public BatchInSplits withMaxPredictions(int maxPredictions) {
    if (maxPredictions <= 0) {
      throw new IllegalArgumentException("maxPredictionsPerMessage must be positive, got " + maxPredictions);
    }
    return new BatchInSplits(read, format, maxPredictions, maxBytes);
  }

  public BatchInSplits withMaxBytes(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxMessageBytes must be positive, got " + maxBytes);
    }
    return new BatchInSplits(read, format, maxPredictions, maxBytes);
  }

  @Override
  public PCollection<MessageBatch> expand(PBegin begin) {
    if (maxPredictions == 0 || maxBytes == 0) {
      throw new IllegalStateException("BatchInSplits needs withMaxPredictions and withMaxBytes");
    }
    return read.splits(begin)
        .apply("ReadAndCutSplits",
            ParDo.of(new CutSplitFn(read.splitReader(), format, maxPredictions, maxBytes)))
        .setCoder(MessageBatch.Coder.of());
  }

  static final class CutSplitFn extends DoFn<InputSplit, MessageBatch> {
    private final SplitReader reader;
    private final MessageFormat format;
    private final int maxPredictions;
    private final int maxBytes;
    private transient Batcher batcher;

    CutSplitFn(SplitReader reader, MessageFormat format, int maxPredictions, int maxBytes) {
      this.reader = reader;
      this.format = format;
      this.maxPredictions = maxPredictions;
      this.maxBytes = maxBytes;
    }

    @Setup
    public void setup() {
      reader.setup();
      batcher = new Batcher(format, maxPredictions, maxBytes);
    }

    @StartBundle
    public void startBundle() {
      reader.startBundle();
    }

    @ProcessElement
    public void processElement(@Element InputSplit split, OutputReceiver<MessageBatch> out)
        throws IOException {
      int[] batch = {0};
      reader.read(split, prediction -> {
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

    @FinishBundle
    public void finishBundle() throws IOException {
      reader.finishBundle();
    }

    @Teardown
    public void teardown() throws IOException {
      reader.teardown();
    }
  }
}
