package io.predictionrelay.input;

import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.RunMetrics;
import java.util.EnumMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;

/**
 * The counts of one split as it is read, reported once the whole split was read: rows read and dead
 * letters by reason, as facts about that split ({@link RunMetrics#splitFact}: a gauge per split),
 * not as increments. A runner that runs a split again (a task retried, a stage re-run after its
 * shuffle output was lost with an executor) reports the same facts again, and a gauge keeps one
 * value: summed over splits, each split counts once however often it was read. How often splits were
 * read is counted apart ({@link RunMetrics#SPLIT_READS}, {@link RunMetrics#ROWS_READ_ALL_ATTEMPTS}),
 * so a run can say how much it read again.
 *
 * <p>Nothing is reported per row: one gauge per split and reason, a few counter updates per split.
 * One per reader; not thread-safe (a DoFn instance reads one split at a time).
 */
public final class SplitTally {
  private final Counter splitReads = RunMetrics.counter(RunMetrics.SPLIT_READS);
  private final Counter rowsReadAllAttempts = RunMetrics.counter(RunMetrics.ROWS_READ_ALL_ATTEMPTS);
  private final Map<DeadLetter.Reason, Long> deadLetters = new EnumMap<>(DeadLetter.Reason.class);

  /** Forgets the counts of the split read before. */
  public void start() {
    deadLetters.clear();
  }

  public void deadLetter(DeadLetter.Reason reason) {
    deadLetters.merge(reason, 1L, Long::sum);
  }

  /** Reports split {@code index} as read whole: {@code rows} rows, and the dead letters seen since {@link #start}. */
  public void finish(int index, long rows) {
    RunMetrics.splitFact(RunMetrics.ROWS_READ, index).set(rows);
    deadLetters.forEach((reason, count) -> RunMetrics.splitFact(RunMetrics.deadLetters(reason), index).set(count));
    splitReads.inc();
    rowsReadAllAttempts.inc(rows);
    deadLetters.clear();
  }
}
