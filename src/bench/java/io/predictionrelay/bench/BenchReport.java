package io.predictionrelay.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.kafka.ProducerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/** Writes docs/benchmarks.md and docs/benchmarks.png from every docs/bench/results-*.json. */
final class BenchReport {
  private BenchReport() {}

  static void write(Path docs) throws IOException {
    Map<Long, List<Bench.Result>> bySize = new TreeMap<>();
    try (Stream<Path> files = Files.list(docs.resolve("bench"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().matches("results-\\d+\\.json")).toList()) {
        List<Bench.Result> results = new ObjectMapper().readValue(f.toFile(), new TypeReference<>() {});
        bySize.put(results.get(0).rows, results);
      }
    }
    StringBuilder md = new StringBuilder();
    md.append("# Benchmarks\n\n");
    md.append("Written by `make bench` (`io.predictionrelay.bench.Bench`) on ").append(LocalDate.now())
        .append(". Each contender runs in a JVM of its own, one after the other, on the same generated data")
        .append(" (30 class columns, Snappy Parquet) and the same local KRaft broker, publishing to a fresh")
        .append(" 6-partition topic that is deleted afterwards. Times are whole-process wall seconds,")
        .append(" start-up included; CPU is user + system seconds of the process (per million rows in its own column);")
        .append(" broker CPU is the broker process's user + system seconds during the contender's run; RSS is the")
        .append(" contender's peak resident memory.")
        .append(" Messages, predictions and JSON bytes are counted on the topic afterwards.\n\n");
    md.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
        .append(String.format("%.0f GiB", totalMemoryGib())).append(" RAM, ")
        .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
        .append(", Java ").append(System.getProperty("java.version")).append(".\n");
    md.append("Versions: Beam ").append(org.apache.beam.sdk.util.ReleaseInfo.getReleaseInfo().getVersion())
        .append(", Spark ").append(org.apache.spark.package$.MODULE$.SPARK_VERSION())
        .append(", Kafka ").append(org.apache.kafka.common.utils.AppInfoParser.getVersion()).append(".\n");
    md.append("Producer settings (every contender): ").append(ProducerSettings.describe(ProducerSettings.defaults(1_000_000)))
        .append(".\n\n");
    for (Map.Entry<Long, List<Bench.Result>> size : bySize.entrySet()) {
      md.append(String.format("## %,d rows%n%n", size.getKey()));
      md.append("| contender | wall s | rows/s | JSON MB/s | messages | predictions | CPU s | CPU s per M rows"
          + " | broker CPU s | heap | peak RSS MB | GC pause s | exit |\n");
      md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      Bench.Result pipeline = null;
      for (Bench.Result r : size.getValue()) {
        md.append(String.format("| %s | %.1f | %,.0f | %.1f | %,d | %,d | %.1f | %.2f | %s | %s | %.0f | %s | %d |%n",
            r.description, r.wallSeconds, r.rowsPerSecond(), r.jsonMbPerSecond(), r.messages,
            r.predictions, r.cpuSeconds, r.cpuPerMillionRows(),
            r.brokerCpuSeconds < 0 ? "–" : String.format("%.1f", r.brokerCpuSeconds),
            r.heap == null ? "–" : r.heap, r.peakRssMb,
            r.gcPauseSeconds < 0 ? "–" : String.format("%.1f", r.gcPauseSeconds), r.exitCode));
        if (r.name.equals("pipeline")) {
          pipeline = r;
        }
      }
      if (pipeline != null) {
        md.append('\n');
        for (Bench.Result r : size.getValue()) {
          if (r == pipeline) {
            continue;
          }
          // The other contenders are measured against the pipeline; its variants the other way round.
          boolean variant = r.name.startsWith("pipeline");
          Bench.Result subject = variant ? r : pipeline;
          Bench.Result base = variant ? pipeline : r;
          md.append(String.format("- %s vs %s: throughput %.2f×, wall time %.2f×, CPU per row %.2f×, peak RSS %.2f×%n",
              subject.name, base.name, subject.rowsPerSecond() / base.rowsPerSecond(),
              subject.wallSeconds / base.wallSeconds, subject.cpuSeconds / base.cpuSeconds,
              subject.peakRssMb / base.peakRssMb));
        }
        targets(pipeline, size.getValue(), md);
      }
      bundleTargets(size.getValue(), md);
      md.append('\n');
    }
    scaling(bySize, md);
    md.append("![throughput](benchmarks.png)\n\n");
    payloads(docs, md);
    Path existing = docs.resolve("benchmarks.md");
    String incremental = "";
    String notes = "";
    if (Files.exists(existing)) {
      String old = Files.readString(existing);
      incremental = IncrementalReport.sectionIn(old); // make bench-incremental's, measured on its own day
      int at = old.indexOf("\n## Notes");
      notes = at < 0 ? "" : old.substring(at);
    }
    Files.writeString(existing, md + incremental + notes);
    chart(bySize, docs.resolve("benchmarks.png"));
  }

  /** The four targets of round two, each as the ratio measured in this run, when its contenders ran. */
  private static void targets(Bench.Result pipeline, List<Bench.Result> results, StringBuilder md) {
    Map<String, Bench.Result> by = new java.util.HashMap<>();
    results.forEach(r -> by.put(r.name, r));
    List<String> lines = new ArrayList<>();
    if (by.containsKey("floor")) {
      lines.add(target("CPU s per million rows ≤ 1.4× the single-thread floor's",
          pipeline.cpuPerMillionRows() / by.get("floor").cpuPerMillionRows(), 1.4));
    }
    if (by.containsKey("floor-parallel")) {
      lines.add(target("wall time ≤ 1.25× the parallel floor's",
          pipeline.wallSeconds / by.get("floor-parallel").wallSeconds, 1.25));
    }
    if (by.containsKey("spark")) {
      Bench.Result spark = by.get("spark");
      lines.add(target("throughput ≥ 1.3× the plain Spark job's",
          spark.wallSeconds / pipeline.wallSeconds, -1.3));
      lines.add(target("peak RSS ≤ the plain Spark job's", pipeline.peakRssMb / spark.peakRssMb, 1.0));
    }
    if (!lines.isEmpty()) {
      md.append("\nTargets (this pipeline, default payload):\n\n");
      lines.forEach(l -> md.append("- ").append(l).append('\n'));
    }
  }

  /** Round four's targets of the shuffle-free grouping, when it ran with the floors. */
  private static void bundleTargets(List<Bench.Result> results, StringBuilder md) {
    Map<String, Bench.Result> by = new java.util.HashMap<>();
    results.forEach(r -> by.put(r.name, r));
    Bench.Result bundle = by.get("pipeline-bundle");
    List<String> bundleLines = new ArrayList<>();
    if (bundle != null && by.containsKey("floor")) {
      bundleLines.add(target("CPU s per million rows ≤ 1.15× the single-thread floor's",
          bundle.cpuPerMillionRows() / by.get("floor").cpuPerMillionRows(), 1.15));
    }
    if (bundle != null && by.containsKey("floor-parallel")) {
      bundleLines.add(target("wall time ≤ 1.1× the parallel floor's",
          bundle.wallSeconds / by.get("floor-parallel").wallSeconds, 1.1));
    }
    if (!bundleLines.isEmpty()) {
      md.append("\nTargets (this pipeline, ").append(Bench.BUNDLE_ARGS).append("):\n\n");
      bundleLines.forEach(l -> md.append("- ").append(l).append('\n'));
    }
  }

  /**
   * CPU seconds per million rows of every contender at every size measured, in one table: a cost
   * that grows faster than the rows shows as a figure that rises from left to right.
   */
  private static void scaling(Map<Long, List<Bench.Result>> bySize, StringBuilder md) {
    if (bySize.size() < 2) {
      return;
    }
    md.append("## Scaling: CPU s per million rows\n\n| contender |");
    bySize.keySet().forEach(rows -> md.append(String.format(" %,d rows |", rows)));
    md.append("\n|---|").append("---:|".repeat(bySize.size())).append('\n');
    for (String name : Bench.CONTENDERS) {
      StringBuilder row = new StringBuilder("| " + name + " |");
      boolean any = false;
      for (List<Bench.Result> results : bySize.values()) {
        Bench.Result r = results.stream().filter(x -> x.name.equals(name)).findFirst().orElse(null);
        row.append(r == null ? " – |" : String.format(" %.2f |", r.cpuPerMillionRows()));
        any |= r != null;
      }
      if (any) {
        md.append(row).append('\n');
      }
    }
    md.append('\n');
  }

  /** A negative {@code bound} is a lower bound on the ratio, a positive one an upper bound. */
  private static String target(String what, double ratio, double bound) {
    boolean met = bound < 0 ? ratio >= -bound : ratio <= bound;
    return String.format("%s: %.2f× — %s", what, ratio, met ? "met" : "**missed**");
  }

  /** The bytes-per-prediction table of every payload option, from docs/bench/payloads.json. */
  private static void payloads(Path docs, StringBuilder md) throws IOException {
    Path file = docs.resolve("bench/payloads.json");
    if (!Files.exists(file)) {
      return;
    }
    List<PayloadSizes.Size> sizes = new ObjectMapper().readValue(file.toFile(), new TypeReference<>() {});
    double classic = sizes.get(0).bytesPerPrediction();
    md.append("## Bytes per prediction\n\n");
    md.append(String.format("The first %,d rows of the bench data, encoded in messages of 10 in each payload option",
            sizes.get(0).predictions))
        .append(" (`--layout`, `--doublePrecision`; 0 = exact doubles in shortest round-trip form).\n\n");
    md.append("| layout | doublePrecision | bytes per prediction | vs default |\n|---|---:|---:|---:|\n");
    for (PayloadSizes.Size s : sizes) {
      md.append(String.format("| %s | %d | %.1f | %.0f%% |%n",
          s.layout, s.doublePrecision, s.bytesPerPrediction(), 100 * s.bytesPerPrediction() / classic));
    }
    md.append('\n');
  }

  private static void chart(Map<Long, List<Bench.Result>> bySize, Path png) throws IOException {
    CategoryChart chart = new CategoryChartBuilder().width(900).height(500)
        .title("Throughput (rows per second, higher is better)").xAxisTitle("rows").yAxisTitle("rows/s").build();
    Map<String, List<Double>> series = new TreeMap<>();
    List<String> sizes = new ArrayList<>();
    for (Map.Entry<Long, List<Bench.Result>> size : bySize.entrySet()) {
      sizes.add(String.format("%,d", size.getKey()));
      for (Bench.Result r : size.getValue()) {
        series.computeIfAbsent(r.name, k -> new ArrayList<>());
      }
    }
    for (Map.Entry<String, List<Double>> s : series.entrySet()) {
      for (List<Bench.Result> results : bySize.values()) {
        s.getValue().add(results.stream().filter(r -> r.name.equals(s.getKey()))
            .mapToDouble(Bench.Result::rowsPerSecond).findFirst().orElse(0));
      }
      chart.addSeries(s.getKey(), sizes, s.getValue());
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static double totalMemoryGib() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
      return lines.filter(l -> l.startsWith("MemTotal:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
          .findFirst().orElse(0) / 1024.0 / 1024.0;
    } catch (IOException e) {
      return 0;
    }
  }
}
