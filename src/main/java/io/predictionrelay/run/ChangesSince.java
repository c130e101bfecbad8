package io.predictionrelay.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.input.ChangeFeed;
import io.predictionrelay.input.ChangeFeed.Source;
import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.input.Published;
import io.predictionrelay.input.SnapshotChanges;
import io.predictionrelay.input.TableColumns;
import io.predictionrelay.options.Grouping;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.options.Sink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * An incremental run ({@code --changesSince=<runId>|last}): the run it starts from, what that run
 * published, and what changed since ({@link SnapshotChanges}). The base is found in the run records
 * on the runs topic for a run to Kafka ({@code last}: the latest completed run to the same topic
 * from the same input), and in the reports under {@code --reportDir} for the files sink, which
 * writes no run records.
 */
public record ChangesSince(String baseRunId, SnapshotChanges changes) {
  /** Header of every message of an incremental run: {@value #KIND_CHANGES}; full runs carry none. */
  public static final String RUN_KIND_HEADER = "run_kind";
  public static final String KIND_CHANGES = "changes";
  /** Header of every message of an incremental run: the run id of its base. */
  public static final String SINCE_HEADER = "changes_since";
  /** Under {@code --reportDir}: the ids an incremental run found deleted, one file per bundle. */
  public static final String DELETED_IDS_DIR = "deleted-ids-";

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The base of {@code --changesSince} and the changes since it.
   *
   * @throws LaunchException in one line: no such run, not completed, another input, a base that
   *     cannot be read again, or an option that does not go with it
   */
  static ChangesSince resolve(PublishOptions options, Sink sink, Grouping grouping,
      Map<String, Object> producerConfig, ParquetInput input) {
    String given = options.getChangesSince().trim();
    String option = "--changesSince=" + given;
    if (options.getResume() != null) {
      throw new LaunchException(option + " and --resume: an incremental run is not resumed; run it again"
          + " (the same changes give the same messages under the same keys)");
    }
    if (grouping != Grouping.BUCKET) {
      throw new LaunchException(option + ": only with --grouping=bucket (the ids of changed rows are compared by bucket)");
    }
    JsonNode record = sink == Sink.KAFKA ? fromRunsTopic(options, producerConfig, given, option)
        : fromReports(options, given, option);
    String baseRunId = record.path("run_id").asText();
    String what = option + (given.equals(baseRunId) ? "" : " (run " + baseRunId + ")");
    if (!options.getInput().equals(record.path("input").asText())) {
      throw new LaunchException(what + " read another input: " + record.path("input").asText());
    }
    Published base = Published.fromJson(record.path("published"), what);
    return new ChangesSince(baseRunId, SnapshotChanges.between(base, input, TableColumns.of(options), what));
  }

  private static JsonNode fromRunsTopic(PublishOptions options, Map<String, Object> producerConfig, String given,
      String option) {
    RunLedger ledger = new RunLedger(options.getBootstrapServers(), producerConfig);
    String runsTopic = RunIdentity.runsTopic(options);
    if (given.equals("last")) {
      JsonNode last = null;
      for (JsonNode record : ledger.allRecords(runsTopic)) {
        if ("completed".equals(record.path("status").asText())
            && options.getTopic().equals(record.path("topic").asText())
            && options.getInput().equals(record.path("input").asText())) {
          last = record;
        }
      }
      if (last == null) {
        throw new LaunchException(option + ": no completed run of --input " + options.getInput() + " to "
            + options.getTopic() + " in the run records of " + runsTopic + ": run in full first");
      }
      return last;
    }
    List<JsonNode> records = ledger.records(runsTopic, given);
    if (records.isEmpty()) {
      throw new LaunchException(option + ": no run " + given + " in the run records of " + runsTopic);
    }
    JsonNode latest = records.get(records.size() - 1);
    if (!"completed".equals(latest.path("status").asText())) {
      throw new LaunchException(option + ": run " + given + " did not complete (its latest record is "
          + latest.path("status").asText() + "): resume it, or start from a completed run");
    }
    return latest;
  }

  /**
   * A run to the files sink keeps what it published in its report only; the report carries the run's
   * id, input, counts and {@code published}, read here as a run record.
   */
  private static JsonNode fromReports(PublishOptions options, String given, String option) {
    Path dir = Path.of(options.getReportDir());
    List<JsonNode> reports = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
          try {
            JsonNode report = JSON.readTree(file.toFile());
            if (report.has("runId") && report.path("counts").path("reconciles").asBoolean(false)) {
              reports.add(report);
            }
          } catch (IOException notAReport) {
            // another file under the report directory
          }
        }
      } catch (IOException e) {
        throw new LaunchException(option + ": the reports under --reportDir=" + dir + " cannot be listed: " + e);
      }
    }
    JsonNode found = null;
    for (JsonNode report : reports) {
      String runId = report.path("runId").asText();
      boolean matches = given.equals("last")
          ? options.getInput().equals(report.path("input").path("pattern").asText())
          : given.equals(runId);
      if (matches && (found == null || report.path("endedAtMillis").asLong() >= found.path("endedAtMillis").asLong())) {
        found = report;
      }
    }
    if (found == null) {
      throw new LaunchException(option + ": no completed run" + (given.equals("last") ? " of --input "
          + options.getInput() : " " + given) + " among the reports under --reportDir=" + dir
          + " (the files sink writes no run records)");
    }
    var record = JSON.createObjectNode();
    record.put("run_id", found.path("runId").asText());
    record.put("input", found.path("input").path("pattern").asText());
    record.set("published", found.path("published"));
    return record;
  }

  /**
   * The key prefix of an incremental run's messages, {@code c<changes>-}: from its fingerprint, which
   * holds the base's and the new snapshot ({@link SnapshotChanges#token}) and every option that
   * shapes the messages, not from the run id. The same incremental run sends the same keys; another
   * one (other changes, or other buckets or caps) other keys.
   */
  public static String keyPrefix(RunPlan plan) {
    return "c" + plan.identity().fingerprint().substring(0, 12) + "-";
  }

  /** Where the run writes the ids it found deleted. */
  public static String deletedIdsDir(PublishOptions options, String runId) {
    String dir = options.getReportDir();
    return (dir.endsWith("/") ? dir : dir + "/") + DELETED_IDS_DIR + runId;
  }

  /** The lines of the start-up description. */
  String describe() {
    StringBuilder s = new StringBuilder();
    if (changes.changeFeed().isPresent()) {
      ChangeFeed feed = changes.changeFeed().get();
      return s.append("changes:      since run ").append(baseRunId).append(" (").append(changes.base().describe())
          .append(" -> ").append(changes.now().describe()).append("), from the change data feed: ")
          .append(feed.commits()).append(" commits, ").append(feed.splits().size()).append(" row groups to read in ")
          .append(feed.files(Source.CHANGE_DATA)).append(" change data files, ").append(feed.files(Source.ADDED))
          .append(" added and ").append(feed.files(Source.REMOVED)).append(" removed files (").append(feed.rows())
          .append(" rows to read); the ").append(changes.filesUnchanged())
          .append(" files of the snapshot now are not read").toString();
    }
    s.append("changes:      since run ").append(baseRunId).append(" (").append(changes.base().describe())
        .append(" -> ").append(changes.now().describe()).append("): ")
        .append(changes.filesUnchanged()).append(" files unchanged (").append(changes.rowGroupsUnchanged())
        .append(" row groups, ").append(changes.rowsUnchanged()).append(" rows, not read), ")
        .append(changes.filesAdded().size()).append(" added (").append(changes.rowsToRead()).append(" rows to read), ")
        .append(changes.filesRemoved().size()).append(" removed");
    if (changes.changeFeedUnavailable() != null) {
      s.append("\n              not from the change data feed: ").append(changes.changeFeedUnavailable());
    }
    if (changes.comparesById()) {
      s.append("\n              rewritten files: ").append(changes.baseRowsToCompare())
          .append(" rows of the base snapshot read to compare by id; changed and new ids are published,"
              + " ids gone are listed as deleted");
    }
    if (!changes.filesReplacedInPlace().isEmpty()) {
      s.append("\n              ").append(changes.filesReplacedInPlace().size())
          .append(" files replaced in place (their old content is gone): all their rows are published");
    }
    if (!changes.plainFilesRemoved().isEmpty()) {
      s.append("\n              ").append(changes.plainFilesRemoved().size())
          .append(" files removed: their ids cannot be listed as deleted (their content is gone)");
    }
    return s.toString();
  }
}
