package io.predictionrelay.transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;

/**
 * A bundle's rows packed per bucket as a split-reading DoFn reads them: one block per bucket, sent
 * on when {@code maxBuffered} rows wait and when the bundle ends, so the shuffle handles a block per
 * bucket per bundle, never an element per row. The packing of {@link GroupIntoBuckets} (rows) and of
 * {@link GroupChangeFeedIntoBuckets} (rows of the change data feed). One per bundle.
 */
final class BucketBlocks<T> {
  private final int maxBuffered;
  private Map<Integer, List<T>> blocks = new HashMap<>();
  private int buffered;

  BucketBlocks(int maxBuffered) {
    this.maxBuffered = maxBuffered;
  }

  /** Adds a row to its bucket's block; sends every block on when {@code maxBuffered} rows wait. */
  void add(int bucket, T row, DoFn.OutputReceiver<KV<Integer, List<T>>> out) {
    blocks.computeIfAbsent(bucket, b -> new ArrayList<>()).add(row);
    if (++buffered == maxBuffered) {
      blocks.forEach((b, block) -> out.output(KV.of(b, block)));
      blocks = new HashMap<>();
      buffered = 0;
    }
  }

  /** Sends the blocks still held on, at the end of the bundle. */
  void finish(DoFn<?, KV<Integer, List<T>>>.FinishBundleContext context) {
    // The rows all come from the global window (the input is bounded and never re-windowed).
    blocks.forEach((b, block) ->
        context.output(KV.of(b, block), BoundedWindow.TIMESTAMP_MIN_VALUE, GlobalWindow.INSTANCE));
    blocks = new HashMap<>();
    buffered = 0;
  }
}
