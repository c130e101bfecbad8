package io.predictionrelay.verify;

import com.fasterxml.jackson.databind.JsonNode;
import io.predictionrelay.input.ParquetInput.FileStamp;
import io.predictionrelay.input.Published;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.run.ChangesSince;
import io.predictionrelay.run.RunLedger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What an incremental run under verification started from. The verifier is given the run
 * ({@code --runId}); the run's completed record on the runs topic says whether it published changes
 * and since which run, and that run's record says what it published. From there the verifier works
 * the changes out on its own, by reading both snapshots whole and comparing them row by row: no file
 * is skipped and nothing of the publisher's change detection is used, so that a mistake there shows.
 *
 * @param runId the run under verification
 * @param baseRunId the run it published the changes since
 * @param base what the base run published
 * @param now what the run under verification published
 */
record ChangesBase(String runId, String baseRunId, Published base, Published now) {

  /**
   * The base of {@code runId}, if its run records say it published changes; empty for a full run,
   * or a run with no records on {@code runsTopic} (a run to the files sink writes none).
   *
   * @throws LaunchException the run published changes, but its base has no completed record
   */
  static Optional<ChangesBase> of(RunLedger ledger, String runsTopic, String runId) {
    Optional<JsonNode> completed = completed(ledger.records(runsTopic, runId));
    if (completed.isEmpty() || !ChangesSince.KIND_CHANGES.equals(completed.get().path("run_kind").asText())) {
      return Optional.empty();
    }
    String baseRunId = completed.get().path("changes_since").asText();
    String what = "run " + runId + " published the changes since run " + baseRunId;
    JsonNode base = completed(ledger.records(runsTopic, baseRunId)).orElseThrow(() -> new LaunchException(
        what + ", which has no completed record on " + runsTopic + ": its changes cannot be worked out"));
    return Optional.of(new ChangesBase(runId, baseRunId, Published.fromJson(base.path("published"), what),
        Published.fromJson(completed.get().path("published"), "run " + runId)));
  }

  private static Optional<JsonNode> completed(List<JsonNode> records) {
    return records.stream().filter(r -> "completed".equals(r.path("status").asText())).reduce((a, b) -> b);
  }

  /**
   * Checks that the verifier reads the snapshot the run published: a Delta or Iceberg table read at
   * another version would give other changes.
   *
   * @throws LaunchException naming the options that select the snapshot
   */
  void checkReads(Published input) {
    boolean same = input.format() == now.format() && input.table().equals(now.table())
        && (now.format() == Published.Format.FILES || input.version() == now.version());
    if (!same) {
      throw new LaunchException("run " + runId + " published " + now.describe() + " of " + now.table()
          + ", the verifier reads " + input.describe() + " of " + input.table()
          + ": give --input with the run's --tableVersion (or --tableTimestamp)");
    }
  }

  /** One line for the report. */
  String describe() {
    return "changes since run " + baseRunId + " (" + base.describe() + " -> " + now.describe() + ")";
  }

  /** The runs topic of a verification: {@code --runsTopic}, or {@code <topic>.runs}, as the publisher's. */
  static String runsTopic(VerifyOptions options) {
    String given = options.getRunsTopic();
    return given == null || given.isBlank() ? options.getTopic() + ".runs" : given;
  }

  /** The file stamps of the base, by path: a plain file is unchanged when its stamp is the same. */
  Map<String, FileStamp> baseStamps() {
    Map<String, FileStamp> stamps = new HashMap<>();
    base.files().forEach(f -> stamps.put(f.path(), f));
    return stamps;
  }
}
