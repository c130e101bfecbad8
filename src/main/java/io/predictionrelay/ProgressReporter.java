package io.predictionrelay;

import io.predictionrelay.transforms.CountMessagesFn;
import io.predictionrelay.transforms.ReadPredictions.ToPredictionFn;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * Prints a line every few seconds while a run goes on: rows read out of the footers' total,
 * messages published, the rate and an estimate of the time left. Runners update metrics at their
 * own pace (Spark when tasks finish), so lines can jump; Spark's own progress bar shows tasks.
 */
final class ProgressReporter implements AutoCloseable {
  private final Thread thread;

  private ProgressReporter(Thread thread) {
    this.thread = thread;
  }

  /** Starts reporting on an interactive console only, so tests and logs stay quiet. */
  static ProgressReporter start(PipelineResult result, long totalRows, int everySeconds) {
    if (System.console() == null || everySeconds <= 0) {
      return new ProgressReporter(null);
    }
    long start = System.nanoTime();
    Thread thread = new Thread(() -> {
      try {
        while (true) {
          Thread.sleep(everySeconds * 1000L);
          long read = attempted(result, ToPredictionFn.class, ToPredictionFn.ROWS_READ);
          long messages = attempted(result, CountMessagesFn.class, CountMessagesFn.MESSAGES);
          double seconds = (System.nanoTime() - start) / 1e9;
          double rate = read / seconds;
          String left = read == 0 ? "" : String.format(", about %.0f s left to read", (totalRows - read) / rate);
          System.out.printf("%nprogress: %,d of %,d rows read (%.0f%%), %,d messages published, %,.0f rows/s%s%n",
              read, totalRows, 100.0 * read / Math.max(1, totalRows), messages, rate, left);
        }
      } catch (InterruptedException stopped) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException metricsNotReady) {
        // some runners cannot answer before the pipeline has started: no progress line then
      }
    }, "progress");
    thread.setDaemon(true);
    thread.start();
    return new ProgressReporter(thread);
  }

  private static long attempted(PipelineResult result, Class<?> namespace, String name) {
    long sum = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(namespace, name)).build()).getCounters()) {
      sum += c.getAttempted();
    }
    return sum;
  }

  @Override
  public void close() {
    if (thread != null) {
      thread.interrupt();
    }
  }
}
