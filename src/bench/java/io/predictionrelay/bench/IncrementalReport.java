package io.predictionrelay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The "Incremental runs" section of docs/benchmarks.md, from every docs/bench/incremental-*.json.
 * It is a section of its own, which {@link BenchReport} keeps when it rewrites the rest of the file
 * (and this class keeps the rest): the two benches run on different days.
 */
final class IncrementalReport {
  static final String HEADING = "## Incremental runs";

  private IncrementalReport() {}

  /** Writes the section into docs/benchmarks.md: in place of the one there, else before the notes. */
  static void write(Path docs) throws IOException {
    Map<Long, IncrementalBench.Figures> bySize = new TreeMap<>();
    try (Stream<Path> files = Files.list(docs.resolve("bench"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().matches("incremental-\\d+\\.json")).toList()) {
        IncrementalBench.Figures figures = new ObjectMapper().readValue(f.toFile(), IncrementalBench.Figures.class);
        bySize.put(figures.rows, figures);
      }
    }
    StringBuilder md = new StringBuilder(HEADING).append("\n\n");
    md.append("Written by `make bench-incremental` (`io.predictionrelay.bench.IncrementalBench`). For each table,")
        .append(" in JVMs of their own, one after the other, on the same broker: a full run of this pipeline")
        .append(" (Spark runner, `local[*]`) to a fresh topic; the change, as a daily scoring job makes it; then")
        .append(" the incremental run, `--changesSince=last`. In the Delta tables (deletion vectors on, as recent")
        .append(" Delta writes updates) Delta's own Spark writer runs `UPDATE … SET ").append(SparkDeltaTable.SET)
        .append(" WHERE ").append(SparkDeltaTable.CHANGED).append("`: 5% of the ids, in every file, so every file")
        .append(" gets a deletion vector and the updated rows go to new files. In the Hive directory a partition of")
        .append(" 5% new rows (new ids) is added. \"Changes found by\" is the incremental run's own account: Delta's")
        .append(" change data feed (its change rows read, no data file), or files compared by id (every row of every")
        .append(" touched file read at both versions), or files added. Each table is put back before the full run,")
        .append(" so every run measures the same change. The topic is read afterwards: the bench fails unless the")
        .append(" incremental run published exactly the changed ids, each once. Rows read, files unchanged and base")
        .append(" rows compared are the runs'")
        .append(" own counts (their reports); times are whole-process seconds, start-up included, as above; the load")
        .append(" average is the machine's highest 1-minute one during the step (above the cores, other work shared")
        .append(" the machine and the seconds mean less).\n\n");
    for (IncrementalBench.Figures figures : bySize.values()) {
      size(figures, md);
    }
    Path file = docs.resolve("benchmarks.md");
    String old = Files.exists(file) ? Files.readString(file) : "";
    String section = md.toString().stripTrailing() + "\n"; // the blank line before the next heading is the next's
    int start = start(old);
    if (start >= 0) {
      Files.writeString(file, old.substring(0, start) + section + old.substring(end(old, start)));
    } else {
      int notes = old.indexOf("\n## Notes");
      Files.writeString(file, notes < 0 ? old + "\n" + section
          : old.substring(0, notes + 1) + section + "\n" + old.substring(notes + 1));
    }
  }

  /** The section as {@code markdown} holds it, from its heading to the next; "" if it has none. */
  static String sectionIn(String markdown) {
    int start = start(markdown);
    return start < 0 ? "" : markdown.substring(start, end(markdown, start));
  }

  private static int start(String markdown) {
    int at = markdown.indexOf("\n" + HEADING + "\n");
    return at < 0 ? -1 : at + 1;
  }

  /** Where the next section starts: its blank line before the heading. */
  private static int end(String markdown, int start) {
    int next = markdown.indexOf("\n## ", start);
    return next < 0 ? markdown.length() : next;
  }

  private static void size(IncrementalBench.Figures figures, StringBuilder md) {
    md.append(String.format("### %,d rows (measured %s, %d cores)%n%n", figures.rows,
        String.join(", ", figures.tables.stream().map(t -> t.date).distinct().toList()), figures.cores));
    if (figures.note != null && !figures.note.isBlank()) {
      md.append(figures.note.strip()).append("\n\n");
    }
    md.append("| table | step | wall s | CPU s | peak RSS MB | GC pause s | rows read | predictions published"
        + " | load average (max) | exit |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (IncrementalBench.TableFigures table : figures.tables) {
      boolean first = true;
      for (Bench.Result step : table.steps) {
        boolean run = step.name.endsWith("run");
        md.append(String.format("| %s | %s | %.1f | %.1f | %.0f | %s | %s | %s | %s | %d |%n",
            first ? table.description : "", step.name, step.wallSeconds, step.cpuSeconds, step.peakRssMb,
            step.gcPauseSeconds < 0 ? "–" : String.format("%.1f", step.gcPauseSeconds),
            run ? String.format("%,d", step.rows) : "", run ? String.format("%,d", step.predictions) : "",
            step.peakLoadAverage < 0 ? "–" : String.format("%.1f", step.peakLoadAverage), step.exitCode));
        first = false;
      }
    }
    md.append("\n| table | change | rows changed | changes found by | published / changed | exactly the changed ids"
        + " | rows read / table rows | files unchanged | base rows compared | incremental / full: wall | CPU |\n");
    md.append("|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|\n");
    for (IncrementalBench.TableFigures table : figures.tables) {
      Bench.Result full = table.step("full run");
      Bench.Result incremental = table.step("incremental run");
      if (full == null || incremental == null || table.fullRun == null || table.incrementalRun == null) {
        md.append(String.format("| %s | %s | not measured: %s ||||||||%n", table.description, table.change,
            String.join("; ", table.failures)));
        continue;
      }
      long tableRows = table.fullRun.path("counts").path("rowsInFooters").asLong();
      JsonNode changes = table.incrementalRun.path("counts").path("changes");
      md.append(String.format("| %s | %s | %,d | %s | %.3f | %s | %.3f | %,d of %,d | %,d | %.2f× | %.2f× |%n",
          table.description, table.change, table.rowsChanged, changes.path("method").asText("–"),
          table.rowsChanged == 0 ? Double.NaN : (double) incremental.predictions / table.rowsChanged,
          table.idsMissing + table.idsUnexpected + table.idsRepeated == 0 ? "yes"
              : String.format("**no**: %,d missing, %,d not changed, %,d twice", table.idsMissing,
                  table.idsUnexpected, table.idsRepeated),
          (double) incremental.rows / tableRows, changes.path("filesUnchanged").asLong(),
          table.incrementalRun.path("input").path("files").asLong(), changes.path("baseRowsCompared").asLong(),
          incremental.wallSeconds / full.wallSeconds, incremental.cpuSeconds / full.cpuSeconds));
    }
    md.append('\n');
    for (IncrementalBench.TableFigures table : figures.tables) {
      table.failures.forEach(f -> md.append("- **").append(table.name).append(" failed**: ").append(f).append('\n'));
    }
    if (figures.tables.stream().anyMatch(t -> !t.failures.isEmpty())) {
      md.append('\n');
    }
  }
}
