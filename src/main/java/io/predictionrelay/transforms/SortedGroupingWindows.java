package io.predictionrelay.transforms;

import java.util.Collection;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.NonMergingWindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowFn;
import org.apache.beam.sdk.transforms.windowing.WindowMappingFn;

/**
 * The global window under another name: every element goes to {@link GlobalWindow#INSTANCE}, as
 * with {@link GlobalWindows}, so a {@code GroupByKey} groups and timestamps exactly as in the global
 * window (END_OF_WINDOW: the global window's end). It exists to steer Beam 2.62's Spark runner: a
 * {@code GroupByKey} whose window function is {@code GlobalWindows} runs as a {@code combineByKey}
 * whose result is {@code cache()}d (every grouped partition held on the heap until the job ends,
 * apache/beam#33322); any other non-merging window function with a coder consistent with equals
 * runs as {@code repartitionAndSortWithinPartitions} (sorted with spills, values streamed as they
 * are read, nothing cached). Other runners group by key and window as they always do.
 */
final class SortedGroupingWindows extends NonMergingWindowFn<Object, GlobalWindow> {
  private static final List<GlobalWindow> ONLY = List.of(GlobalWindow.INSTANCE);

  @Override
  public Collection<GlobalWindow> assignWindows(AssignContext context) {
    return ONLY;
  }

  @Override
  public boolean isCompatible(WindowFn<?, ?> other) {
    return other instanceof SortedGroupingWindows;
  }

  @Override
  public Coder<GlobalWindow> windowCoder() {
    return GlobalWindow.Coder.INSTANCE; // zero bytes per element; consistent with equals
  }

  @Override
  public WindowMappingFn<GlobalWindow> getDefaultWindowMappingFn() {
    return new GlobalWindows().getDefaultWindowMappingFn();
  }

  @Override
  public boolean assignsToOneWindow() {
    return true;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SortedGroupingWindows;
  }

  @Override
  public int hashCode() {
    return SortedGroupingWindows.class.hashCode();
  }
}
