package io.predictionrelay;

import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.transforms.BatchIntoMessages.SplitBucketFn;
import io.predictionrelay.transforms.CountMessagesFn;
import io.predictionrelay.transforms.ReadPredictions.ToPredictionFn;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * The counts of a finished run, read from Beam's metrics, whether they reconcile (every row the
 * footers announce was read, and every row read was published or dead-lettered), and how the data
 * moved: bucket sizes, predictions per message, full messages, and traffic per Kafka partition.
 */
public final class RunSummary {
  private final long expectedRows;
  private final Map<String, Long> counters;
  private final Map<String, DistributionResult> distributions;

  RunSummary(long expectedRows, Map<String, Long> counters, Map<String, DistributionResult> distributions) {
    this.expectedRows = expectedRows;
    this.counters = counters;
    this.distributions = distributions;
  }

  /** Reads the metrics of a finished pipeline: committed where the runner has them, else attempted. */
  public static RunSummary of(PipelineResult result, long expectedRows) {
    MetricQueryResults metrics = result.metrics().queryMetrics(MetricsFilter.builder().build());
    Map<String, Long> counters = new HashMap<>();
    for (MetricResult<Long> c : metrics.getCounters()) {
      counters.merge(key(c), committedOrAttempted(c), Long::sum);
    }
    Map<String, DistributionResult> distributions = new HashMap<>();
    for (MetricResult<DistributionResult> d : metrics.getDistributions()) {
      distributions.merge(key(d), committedOrAttempted(d), RunSummary::merge);
    }
    return new RunSummary(expectedRows, counters, distributions);
  }

  private static String key(MetricResult<?> metric) {
    return key(metric.getName().getNamespace(), metric.getName().getName());
  }

  private static String key(String namespace, String name) {
    return namespace + ":" + name;
  }

  private static DistributionResult merge(DistributionResult a, DistributionResult b) {
    return DistributionResult.create(a.getSum() + b.getSum(), a.getCount() + b.getCount(),
        Math.min(a.getMin(), b.getMin()), Math.max(a.getMax(), b.getMax()));
  }

  private static <T> T committedOrAttempted(MetricResult<T> metric) {
    try {
      return metric.getCommitted();
    } catch (UnsupportedOperationException notSupported) {
      return metric.getAttempted();
    }
  }

  private long counter(Class<?> namespace, String name) {
    return counters.getOrDefault(key(namespace.getName(), name), 0L);
  }

  private DistributionResult distribution(Class<?> namespace, String name) {
    return distributions.getOrDefault(key(namespace.getName(), name), DistributionResult.IDENTITY_ELEMENT);
  }

  public long expectedRows() {
    return expectedRows;
  }

  public long rowsRead() {
    return counter(ToPredictionFn.class, ToPredictionFn.ROWS_READ);
  }

  public Map<DeadLetter.Reason, Long> deadLetters() {
    Map<DeadLetter.Reason, Long> byReason = new EnumMap<>(DeadLetter.Reason.class);
    for (DeadLetter.Reason reason : DeadLetter.Reason.values()) {
      byReason.put(reason, counter(ToPredictionFn.class, reason.name()));
    }
    return byReason;
  }

  public long deadLettered() {
    return deadLetters().values().stream().mapToLong(Long::longValue).sum();
  }

  public long messages() {
    return counter(CountMessagesFn.class, CountMessagesFn.MESSAGES);
  }

  public long predictions() {
    return counter(CountMessagesFn.class, CountMessagesFn.PREDICTIONS);
  }

  public long bytes() {
    return counter(CountMessagesFn.class, CountMessagesFn.BYTES);
  }

  public DistributionResult predictionsPerMessage() {
    return distribution(CountMessagesFn.class, CountMessagesFn.PREDICTIONS_PER_MESSAGE);
  }

  /** Rows whose id an earlier row already had: published as they are, counted here. */
  public long repeatedIds() {
    return counter(SplitBucketFn.class, SplitBucketFn.REPEATED_IDS);
  }

  /** Rows per bucket (bucketed grouping only). */
  public DistributionResult bucketRows() {
    return distribution(SplitBucketFn.class, SplitBucketFn.BUCKET_ROWS);
  }

  /** The share of messages that are full (by count, or by bytes), bucketed grouping only. */
  public double fullMessageShare() {
    long full = counter(SplitBucketFn.class, SplitBucketFn.FULL_MESSAGES);
    return messages() == 0 ? 0 : (double) full / messages();
  }

  /** Buckets per size bin: the lowest size of each 2%-wide bin, and how many buckets fell in it. */
  public Map<Long, Long> bucketSizeHistogram() {
    Map<Long, Long> histogram = new TreeMap<>();
    String prefix = key(SplitBucketFn.class.getName(), SplitBucketFn.BUCKET_ROWS_BIN);
    counters.forEach((name, count) -> {
      if (name.startsWith(prefix) && count > 0) {
        histogram.merge(SplitBucketFn.binStart(Integer.parseInt(name.substring(prefix.length()))), count, Long::sum);
      }
    });
    return histogram;
  }

  /** The bucket size at quantile q, to within the 2% of a bin: the start of the bin it falls in. */
  public long bucketRowsQuantile(double q) {
    Map<Long, Long> histogram = bucketSizeHistogram();
    long total = histogram.values().stream().mapToLong(Long::longValue).sum();
    long seen = 0;
    for (Map.Entry<Long, Long> bin : histogram.entrySet()) {
      seen += bin.getValue();
      if (seen >= Math.ceil(q * total)) {
        return bin.getKey();
      }
    }
    return 0;
  }

  /** Messages, predictions and bytes per Kafka partition, by partition. */
  public Map<Integer, Map<String, Long>> perPartition() {
    Map<Integer, Map<String, Long>> partitions = new TreeMap<>();
    for (int p = 0; counters.containsKey(key(CountMessagesFn.class.getName(), CountMessagesFn.partitionCounter(p, "messages"))); p++) {
      Map<String, Long> traffic = new LinkedHashMap<>();
      for (String what : List.of("messages", "predictions", "bytes")) {
        traffic.put(what, counter(CountMessagesFn.class, CountMessagesFn.partitionCounter(p, what)));
      }
      partitions.put(p, traffic);
    }
    return partitions;
  }

  /** Rows in the footers = rows read = predictions published + rows dead-lettered. */
  public boolean reconciles() {
    return rowsRead() == expectedRows && rowsRead() == predictions() + deadLettered();
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("run summary\n");
    s.append(String.format("  rows in input footers   %,d%n", expectedRows));
    s.append(String.format("  rows read               %,d%n", rowsRead()));
    s.append(String.format("  predictions published   %,d%n", predictions()));
    s.append(String.format("  rows dead-lettered      %,d%n", deadLettered()));
    deadLetters().forEach((reason, count) -> {
      if (count > 0) {
        s.append(String.format("    %-22s%,d%n", reason, count));
      }
    });
    if (repeatedIds() > 0) {
      s.append(String.format("  repeated id_client      %,d (published as they are)%n", repeatedIds()));
    }
    s.append(String.format("  messages published      %,d%n", messages()));
    s.append(String.format("  bytes published         %,d%n", bytes()));
    DistributionResult perMessage = predictionsPerMessage();
    if (perMessage.getCount() > 0) {
      s.append(String.format("  predictions per message min %d, mean %.2f, max %d%n",
          perMessage.getMin(), perMessage.getMean(), perMessage.getMax()));
    }
    DistributionResult buckets = bucketRows();
    if (buckets.getCount() > 0) {
      s.append(String.format("  full messages           %.2f%%%n", 100 * fullMessageShare()));
      s.append(String.format("  rows per bucket         %,d buckets: min %,d, p50 ~%,d, p99 ~%,d, max %,d%n",
          buckets.getCount(), buckets.getMin(), bucketRowsQuantile(0.5), bucketRowsQuantile(0.99), buckets.getMax()));
    }
    perPartition().forEach((p, traffic) -> s.append(String.format(
        "  partition %-3d           %,d messages, %,d predictions, %,d bytes%n",
        p, traffic.get("messages"), traffic.get("predictions"), traffic.get("bytes"))));
    if (reconciles()) {
      s.append("  counts reconcile: read = published + dead-lettered");
    } else {
      s.append(String.format("  COUNTS DO NOT RECONCILE: footers %,d, read %,d, published + dead-lettered %,d",
          expectedRows, rowsRead(), predictions() + deadLettered()));
    }
    return s.toString();
  }
}
