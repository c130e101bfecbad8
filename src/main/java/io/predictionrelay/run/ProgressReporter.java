package io.predictionrelay.run;

import io.predictionrelay.model.RunMetrics;
import java.io.PrintStream;
import org.apache.beam.sdk.PipelineResult;

/**
 * Prints a line every few seconds while a run goes on: rows read out of the footers' total,
 * messages published, the rate and an estimate of the time left; and a last line when it ends, from
 * the same committed counts as the summary. Runners update metrics at their own pace (Spark when
 * tasks finish), so lines can jump; Spark's own progress bar shows tasks.
 */
public final class ProgressReporter implements AutoCloseable {
  private final PrintStream out;
  private final long totalRows;
  private final long start = System.nanoTime();
  private Thread thread;

  private ProgressReporter(PrintStream out, long totalRows) {
    this.out = out;
    this.totalRows = totalRows;
  }

  /** Reports on an interactive console only, so tests and logs stay quiet. */
  public static ProgressReporter onConsole(long totalRows) {
    return new ProgressReporter(System.console() == null ? null : System.out, totalRows);
  }

  /** Reports to {@code out}; null reports nothing. */
  public static ProgressReporter to(PrintStream out, long totalRows) {
    return new ProgressReporter(out, totalRows);
  }

  /** Prints a line every {@code everyMillis} until {@link #finish} or {@link #close}. */
  public ProgressReporter watch(PipelineResult result, long everyMillis) {
    if (out == null) {
      return this;
    }
    thread = new Thread(() -> {
      try {
        while (true) {
          Thread.sleep(everyMillis);
          out.println();
          out.println(line(RunCounts.attempted(result), false));
        }
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException metricsNotReady) {
        // some runners cannot answer before the pipeline has started: no progress line then
      }
    }, "progress");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** Stops the periodic lines and prints the last one, from the run's final counts. */
  public void finish(RunSummary summary) {
    close();
    if (out != null) {
      out.println(line(summary.counts(), true));
    }
  }

  String line(RunCounts counts, boolean done) {
    long read = counts.splitFact(RunMetrics.ROWS_READ);
    long messages = counts.counter(RunMetrics.MESSAGES);
    double seconds = (System.nanoTime() - start) / 1e9;
    double rate = read / Math.max(seconds, 1e-3);
    String left = done ? ", done"
        : read == 0 ? "" : String.format(", about %.0f s left to read", (totalRows - read) / rate);
    return String.format("progress: %,d of %,d rows read (%.0f%%), %,d messages published, %,.0f rows/s%s",
        read, totalRows, 100.0 * read / Math.max(1, totalRows), messages, rate, left);
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      thread = null;
    }
  }
}
