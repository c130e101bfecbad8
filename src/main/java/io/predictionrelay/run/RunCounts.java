package io.predictionrelay.run;

import io.predictionrelay.model.RunMetrics;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.apache.beam.sdk.metrics.GaugeResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * One reading of a run's {@link RunMetrics}, summed over the steps that count them. The summary,
 * the report and the progress line all read counts through this class.
 */
final class RunCounts {
  private final Map<String, Long> counters;
  private final Map<String, DistributionResult> distributions;
  /** Facts per split ({@link RunMetrics#splitFact}): by name, the value of each split that reported it. */
  private final Map<String, Map<Integer, Long>> splitFacts;

  private RunCounts(Map<String, Long> counters, Map<String, DistributionResult> distributions,
      Map<String, Map<Integer, Long>> splitFacts) {
    this.counters = counters;
    this.distributions = distributions;
    this.splitFacts = splitFacts;
  }

  static RunCounts empty() {
    return new RunCounts(Map.of(), Map.of(), Map.of());
  }

  /**
   * The counts of a finished run: committed, where the runner keeps them apart (the Direct and Flink
   * runners); Spark's runner only reports attempted counts, and they are its committed ones: Spark
   * merges the metric accumulators of successful task attempts only.
   */
  static RunCounts committed(PipelineResult result) {
    return read(result, true);
  }

  /** The counts so far of a run still going on. */
  static RunCounts attempted(PipelineResult result) {
    return read(result, false);
  }

  private static RunCounts read(PipelineResult result, boolean committed) {
    return of(result.metrics(), committed);
  }

  /** The counts in {@code results}: committed ones if {@code committed} and the runner has them. */
  static RunCounts of(MetricResults results, boolean committed) {
    MetricQueryResults metrics = results.queryMetrics(
        MetricsFilter.builder().addNameFilter(
            org.apache.beam.sdk.metrics.MetricNameFilter.inNamespace(RunMetrics.NAMESPACE)).build());
    Map<String, Long> counters = new HashMap<>();
    for (MetricResult<Long> c : metrics.getCounters()) {
      counters.merge(c.getName().getName(), value(c, committed), Long::sum);
    }
    Map<String, DistributionResult> distributions = new HashMap<>();
    for (MetricResult<DistributionResult> d : metrics.getDistributions()) {
      distributions.merge(d.getName().getName(), value(d, committed), RunCounts::merge);
    }
    Map<String, Map<Integer, Long>> splitFacts = new HashMap<>();
    for (MetricResult<GaugeResult> g : metrics.getGauges()) {
      String name = g.getName().getName();
      int at = name.lastIndexOf(RunMetrics.SPLIT_FACT);
      GaugeResult value = value(g, committed);
      if (at > 0 && value != null && !value.equals(GaugeResult.empty())) {
        // One value per split, whichever attempt reported it: they are the same facts.
        splitFacts.computeIfAbsent(name.substring(0, at), n -> new HashMap<>())
            .put(Integer.parseInt(name.substring(at + RunMetrics.SPLIT_FACT.length())), value.getValue());
      }
    }
    return new RunCounts(counters, distributions, splitFacts);
  }

  private static <T> T value(MetricResult<T> metric, boolean committed) {
    if (committed) {
      try {
        return metric.getCommitted();
      } catch (UnsupportedOperationException attemptedOnly) {
        // the Spark runner: see committed()
      }
    }
    return metric.getAttempted();
  }

  private static DistributionResult merge(DistributionResult a, DistributionResult b) {
    return DistributionResult.create(a.getSum() + b.getSum(), a.getCount() + b.getCount(),
        Math.min(a.getMin(), b.getMin()), Math.max(a.getMax(), b.getMax()));
  }

  long counter(String name) {
    return counters.getOrDefault(name, 0L);
  }

  /** A fact per split ({@link RunMetrics#splitFact}) summed over the splits: each split once, however often it was read. */
  long splitFact(String name) {
    return splitFacts.getOrDefault(name, Map.of()).values().stream().mapToLong(Long::longValue).sum();
  }

  /** How many splits reported {@code name}. */
  int splitsWith(String name) {
    return splitFacts.getOrDefault(name, Map.of()).size();
  }

  DistributionResult distribution(String name) {
    return distributions.getOrDefault(name, DistributionResult.IDENTITY_ELEMENT);
  }

  /** The counters whose name starts with {@code prefix}, by the rest of their name. */
  Map<String, Long> countersStartingWith(String prefix) {
    Map<String, Long> found = new HashMap<>();
    counters.forEach((name, value) -> {
      if (name.startsWith(prefix)) {
        found.put(name.substring(prefix.length()), value);
      }
    });
    return found;
  }
}
