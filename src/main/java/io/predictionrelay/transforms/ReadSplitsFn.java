package io.predictionrelay.transforms;

import io.predictionrelay.input.InputSplit;
import io.predictionrelay.input.SplitReader;
import io.predictionrelay.model.Prediction;
import java.io.IOException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * The base of the DoFns that read splits ({@code ReadSplits}): it owns the {@link SplitReader}'s
 * lifecycle (its set-up, a dead-letter file per bundle, the counts per split), so that a grouping's
 * DoFn says only what it does with the rows as they are read ({@link #processSplit}). The rows are
 * handed over one by one, never as elements: the grouping packs or cuts them before anything leaves
 * the DoFn.
 */
public abstract class ReadSplitsFn<OutputT> extends DoFn<InputSplit, OutputT> {
  private final SplitReader reader;

  protected ReadSplitsFn(SplitReader reader) {
    this.reader = reader;
  }

  @Setup
  public final void setup() {
    reader.setup();
    setupRows();
  }

  @StartBundle
  public final void startBundle() {
    reader.startBundle();
    startRows();
  }

  @ProcessElement
  public final void processElement(@Element InputSplit split, OutputReceiver<OutputT> out)
      throws IOException {
    processSplit(split, out);
  }

  @FinishBundle
  public final void finishBundle(FinishBundleContext context) throws IOException {
    // What the grouping still holds goes out before the bundle's dead letters are committed.
    finishRows(context);
    reader.finishBundle();
  }

  @Teardown
  public final void teardown() throws IOException {
    reader.teardown();
  }

  /** Reads {@code split} (with {@link #readRows}) and outputs what its rows make. */
  protected abstract void processSplit(InputSplit split, OutputReceiver<OutputT> out) throws IOException;

  /** Every live row of {@code split}, in file order; dead letters are set aside and counted. */
  protected final void readRows(InputSplit split, Consumer<Prediction> rows) throws IOException {
    reader.read(split, rows);
  }

  /**
   * {@link #readRows}, each row with its {@code _change_type} where the split is a Delta change data
   * file's (else null).
   */
  protected final void readChanges(InputSplit split, BiConsumer<Prediction, String> rows) throws IOException {
    reader.readChanges(split, rows);
  }

  /** Once per DoFn instance, after the reader's set-up. */
  protected void setupRows() {}

  /** At the start of each bundle. */
  protected void startRows() {}

  /** At the end of each bundle, before its dead letters are committed: outputs what is still held. */
  protected void finishRows(FinishBundleContext context) {}
}
