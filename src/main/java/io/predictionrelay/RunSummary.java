package io.predictionrelay;

import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.transforms.BatchIntoMessages;
import io.predictionrelay.transforms.CountMessagesFn;
import io.predictionrelay.transforms.ReadPredictions;
import java.util.EnumMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * The counts of a finished run, read from Beam's metrics, and whether they reconcile: every row the
 * footers announce was read, and every row read was published or dead-lettered.
 */
public final class RunSummary {
  private final long expectedRows;
  private final long rowsRead;
  private final Map<DeadLetter.Reason, Long> deadLetters;
  private final long messages;
  private final long predictions;
  private final long bytes;
  private final DistributionResult perMessage;
  private final long repeatedIds;

  RunSummary(
      long expectedRows,
      long rowsRead,
      Map<DeadLetter.Reason, Long> deadLetters,
      long messages,
      long predictions,
      long bytes,
      DistributionResult perMessage,
      long repeatedIds) {
    this.expectedRows = expectedRows;
    this.rowsRead = rowsRead;
    this.deadLetters = deadLetters;
    this.messages = messages;
    this.predictions = predictions;
    this.bytes = bytes;
    this.perMessage = perMessage;
    this.repeatedIds = repeatedIds;
  }

  /** Reads the committed metrics of a finished pipeline. */
  public static RunSummary of(PipelineResult result, long expectedRows) {
    Map<DeadLetter.Reason, Long> deadLetters = new EnumMap<>(DeadLetter.Reason.class);
    for (DeadLetter.Reason reason : DeadLetter.Reason.values()) {
      deadLetters.put(
          reason, counter(result, ReadPredictions.ToPredictionFn.class, reason.name()));
    }
    return new RunSummary(
        expectedRows,
        counter(result, ReadPredictions.ToPredictionFn.class, ReadPredictions.ToPredictionFn.ROWS_READ),
        deadLetters,
        counter(result, CountMessagesFn.class, CountMessagesFn.MESSAGES),
        counter(result, CountMessagesFn.class, CountMessagesFn.PREDICTIONS),
        counter(result, CountMessagesFn.class, CountMessagesFn.BYTES),
        distribution(result, CountMessagesFn.class, CountMessagesFn.PREDICTIONS_PER_MESSAGE),
        counter(result, BatchIntoMessages.SplitBucketFn.class, BatchIntoMessages.SplitBucketFn.REPEATED_IDS));
  }

  private static MetricQueryResults query(PipelineResult result, Class<?> namespace, String name) {
    return result
        .metrics()
        .queryMetrics(
            MetricsFilter.builder().addNameFilter(MetricNameFilter.named(namespace, name)).build());
  }

  private static long counter(PipelineResult result, Class<?> namespace, String name) {
    long sum = 0;
    for (MetricResult<Long> counter : query(result, namespace, name).getCounters()) {
      sum += committedOrAttempted(counter);
    }
    return sum;
  }

  private static DistributionResult distribution(
      PipelineResult result, Class<?> namespace, String name) {
    DistributionResult merged = DistributionResult.IDENTITY_ELEMENT;
    for (MetricResult<DistributionResult> d : query(result, namespace, name).getDistributions()) {
      DistributionResult value = committedOrAttempted(d);
      merged =
          DistributionResult.create(
              merged.getSum() + value.getSum(),
              merged.getCount() + value.getCount(),
              Math.min(merged.getMin(), value.getMin()),
              Math.max(merged.getMax(), value.getMax()));
    }
    return merged;
  }

  /** Committed values where the runner has them (Direct); attempted otherwise (Spark). */
  private static <T> T committedOrAttempted(MetricResult<T> metric) {
    try {
      return metric.getCommitted();
    } catch (UnsupportedOperationException notSupported) {
      return metric.getAttempted();
    }
  }

  public long expectedRows() {
    return expectedRows;
  }

  public long rowsRead() {
    return rowsRead;
  }

  public Map<DeadLetter.Reason, Long> deadLetters() {
    return deadLetters;
  }

  public long deadLettered() {
    return deadLetters.values().stream().mapToLong(Long::longValue).sum();
  }

  public long messages() {
    return messages;
  }

  public long predictions() {
    return predictions;
  }

  public long bytes() {
    return bytes;
  }

  /** Rows whose id an earlier row already had: published as they are, counted here. */
  public long repeatedIds() {
    return repeatedIds;
  }

  public DistributionResult predictionsPerMessage() {
    return perMessage;
  }

  /** Rows in the footers = rows read = predictions published + rows dead-lettered. */
  public boolean reconciles() {
    return rowsRead == expectedRows && rowsRead == predictions + deadLettered();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("run summary\n");
    s.append(String.format("  rows in input footers   %,d%n", expectedRows));
    s.append(String.format("  rows read               %,d%n", rowsRead));
    s.append(String.format("  predictions published   %,d%n", predictions));
    s.append(String.format("  rows dead-lettered      %,d%n", deadLettered()));
    deadLetters.forEach(
        (reason, count) -> {
          if (count > 0) {
            s.append(String.format("    %-22s%,d%n", reason, count));
          }
        });
    if (repeatedIds > 0) {
      s.append(String.format("  repeated id_client      %,d (published as they are)%n", repeatedIds));
    }
    s.append(String.format("  messages published      %,d%n", messages));
    s.append(String.format("  bytes published         %,d%n", bytes));
    if (perMessage.getCount() > 0) {
      s.append(
          String.format(
              "  predictions per message min %d, mean %.2f, max %d%n",
              perMessage.getMin(), perMessage.getMean(), perMessage.getMax()));
    }
    if (reconciles()) {
      s.append("  counts reconcile: read = published + dead-lettered");
    } else {
      s.append(
          String.format(
              "  COUNTS DO NOT RECONCILE: footers %,d, read %,d, published + dead-lettered %,d",
              expectedRows, rowsRead, predictions + deadLettered()));
    }
    return s.toString();
  }
}
