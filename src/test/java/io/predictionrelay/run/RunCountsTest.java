package io.predictionrelay.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.input.SplitTally;
import io.predictionrelay.model.DeadLetter.Reason;
import io.predictionrelay.model.RunMetrics;
import java.io.Closeable;
import java.util.List;
import org.apache.beam.runners.core.metrics.MetricsContainerImpl;
import org.apache.beam.runners.core.metrics.MetricsContainerStepMap;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Counts as the Spark runner gathers them: each successful task's metrics are merged into one
 * accumulator ({@code MetricsContainerStepMap.updateAll}), a re-run stage's tasks merged again. Rows
 * read and dead letters count each split once however often it was read; publishing counters add.
 */
class RunCountsTest {
  /** One successful task: it read {@code splits} (index, rows, missing ids) and published {@code published}. */
  private static MetricsContainerStepMap task(List<long[]> splits, long published) throws Exception {
    MetricsContainerStepMap task = new MetricsContainerStepMap();
    MetricsContainerImpl container = task.getContainer("ReadSplits/PackBuckets");
    try (Closeable scope = MetricsEnvironment.scopedMetricsContainer(container)) {
      SplitTally tally = new SplitTally();
      for (long[] split : splits) {
        tally.start();
        for (int i = 0; i < split[2]; i++) {
          tally.deadLetter(Reason.MISSING_ID);
        }
        tally.finish((int) split[0], split[1]);
      }
      RunMetrics.counter(RunMetrics.PREDICTIONS).inc(published);
      RunMetrics.counter(RunMetrics.MESSAGES).inc((published + 9) / 10);
    }
    return task;
  }

  private static RunSummary summary(long footers, MetricsContainerStepMap... tasks) {
    MetricsContainerStepMap accumulator = new MetricsContainerStepMap();
    for (MetricsContainerStepMap task : tasks) {
      accumulator.updateAll(task);
    }
    return new RunSummary(footers, 0, 0,
        RunCounts.of(MetricsContainerStepMap.asAttemptedOnlyMetricResults(accumulator), true));
  }

  @Test
  void aMapStageRunAgainCountsItsSplitsOnce() throws Exception {
    // Splits 0 and 1 read by a task whose shuffle output was lost with its executor, then read again
    // by the re-run stage; split 2 read once; the publishing tasks count what they sent.
    MetricsContainerStepMap first = task(List.of(new long[] {0, 1_000, 3}, new long[] {1, 500, 0}), 0);
    MetricsContainerStepMap other = task(List.of(new long[] {2, 700, 1}), 0);
    MetricsContainerStepMap again = task(List.of(new long[] {0, 1_000, 3}, new long[] {1, 500, 0}), 0);
    MetricsContainerStepMap publish = task(List.of(), 2_196);
    RunSummary summary = summary(2_200, first, other, again, publish);

    assertEquals(2_200, summary.rowsRead());
    assertEquals(4, summary.deadLettered());
    assertEquals(4, summary.deadLetters().get(Reason.MISSING_ID));
    assertEquals(3, summary.splitsRead());
    assertEquals(2, summary.splitsReadAgain());
    assertEquals(1_500, summary.rowsReadAgain());
    assertEquals(3_700, summary.counts().counter(RunMetrics.ROWS_READ_ALL_ATTEMPTS));
    assertTrue(summary.reconciles(), summary.toString());
    assertTrue(summary.toString().contains("splits read again       2 of 3 (1,500 rows, counted once)"), summary.toString());
  }

  @Test
  void aSplitNeverReadStillFails() throws Exception {
    // Split 2's rows are missing: once-per-split counts do not hide a loss.
    RunSummary summary = summary(2_200,
        task(List.of(new long[] {0, 1_000, 0}, new long[] {1, 500, 0}), 0),
        task(List.of(new long[] {0, 1_000, 0}), 0),
        task(List.of(), 1_500));
    assertEquals(1_500, summary.rowsRead());
    assertFalse(summary.reconciles());
    assertTrue(summary.toString().contains("COUNTS DO NOT RECONCILE: footers 2,200, read 1,500"), summary.toString());
  }

  @Test
  void publishedPredictionsMissingStillFail() throws Exception {
    RunSummary summary = summary(1_000,
        task(List.of(new long[] {0, 1_000, 0}), 0), task(List.of(new long[] {0, 1_000, 0}), 0), task(List.of(), 990));
    assertEquals(1_000, summary.rowsRead());
    assertFalse(summary.reconciles());
  }

  @Test
  void messagesSentAgainAreTheRecordsBeyondThosePublished() throws Exception {
    RunSummary summary = summary(1_000, task(List.of(new long[] {0, 1_000, 0}), 1_000)).withRecordsAppended(130);
    assertEquals(100, summary.messages());
    assertEquals(30, summary.messagesSentAgain());
    assertEquals(30L, summary.retriesAsMap().get("messagesSentAgain"));
    assertTrue(summary.reconciles());
  }
}
