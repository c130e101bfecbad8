package io.predictionrelay.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.metrics.DistributionResult;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The machine-readable record of a run: its configuration, its counts and how the data moved
 * (bucket sizes, predictions per message, full messages, traffic per partition), as JSON, with a
 * PNG histogram of bucket sizes, where skew shows at a glance.
 */
public final class RunReport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RunReport() {}

  public static Map<String, Object> toMap(RunPlan plan, RunSummary summary, double wallSeconds) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("runner", plan.options().getRunner().getSimpleName());
    report.put("input", Map.of("pattern", plan.options().getInput(), "files", plan.input().files().size(),
        "rows", plan.input().totalRows(), "classColumns", plan.input().schema().classCount()));
    report.put("grouping", plan.grouping().name().toLowerCase());
    report.put("buckets", plan.buckets());
    report.put("sink", plan.sink().name().toLowerCase());
    report.put("topic", plan.options().getTopic());
    report.put("wallSeconds", Math.round(wallSeconds * 10) / 10.0);
    report.put("runId", plan.identity().runId());
    report.put("endedAtMillis", System.currentTimeMillis());
    report.put("inputFingerprint", plan.identity().fingerprint());
    report.put("published", io.predictionrelay.input.Published.of(plan.input()).toMap());
    report.put("runKind", plan.changes().isPresent() ? ChangesSince.KIND_CHANGES : "full");
    plan.changes().ifPresent(c -> {
      report.put("changesSince", c.baseRunId());
      report.put("deletedIds", ChangesSince.deletedIdsDir(plan.options(), plan.identity().runId()));
    });
    report.put("counts", summary.countsAsMap());
    report.put("predictionsPerMessage", describe(summary.predictionsPerMessage()));
    if (summary.bucketRows().getCount() > 0) {
      Map<String, Object> buckets = describe(summary.bucketRows());
      buckets.put("p50", summary.bucketRowsQuantile(0.5));
      buckets.put("p99", summary.bucketRowsQuantile(0.99));
      buckets.put("histogram", summary.bucketSizeHistogram());
      report.put("rowsPerBucket", buckets);
      report.put("fullMessageShare", summary.fullMessageShare());
    }
    report.put("partitions", summary.perPartition());
    return report;
  }

  private static Map<String, Object> describe(DistributionResult d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", d.getCount());
    m.put("min", d.getCount() == 0 ? 0 : d.getMin());
    m.put("mean", d.getCount() == 0 ? 0 : d.getMean());
    m.put("max", d.getCount() == 0 ? 0 : d.getMax());
    return m;
  }

  /** Writes run-&lt;time&gt;.json (and -buckets.png for bucketed runs) under the report directory. */
  public static Path write(Path directory, Map<String, Object> report, RunSummary summary) throws IOException {
    Files.createDirectories(directory);
    String name = "run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path json = directory.resolve(name + ".json");
    if (Files.exists(json) && report.get("runId") != null) {
      name = name + "-" + report.get("runId"); // two runs in one second: both reports kept
      json = directory.resolve(name + ".json");
    }
    JSON.writeValue(json.toFile(), report);
    Map<Long, Long> histogram = summary.bucketSizeHistogram();
    if (!histogram.isEmpty()) {
      CategoryChart chart = new CategoryChartBuilder().width(1000).height(500)
          .title("Rows per bucket (" + summary.bucketRows().getCount() + " buckets, bins 2% wide)")
          .xAxisTitle("rows in bucket (bin start)").yAxisTitle("buckets").build();
      chart.getStyler().setLegendVisible(false);
      chart.getStyler().setXAxisLabelRotation(60);
      List<String> x = new ArrayList<>();
      List<Long> y = new ArrayList<>();
      histogram.forEach((start, count) -> {
        x.add(String.format("%,d", start));
        y.add(count);
      });
      chart.addSeries("buckets", x, y);
      BitmapEncoder.saveBitmap(chart, directory.resolve(name + "-buckets.png").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
    return json;
  }
}
