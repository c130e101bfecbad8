package io.predictionrelay.verify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reconciles one hash partition: every expected prediction must have arrived, intact, and every
 * received one must be expected; every message key must stand for one message only. For an
 * incremental run, the rows of the base snapshot are given too: a row the base held the same is
 * not expected, and the base's ids gone from the input must be the ids the run listed as deleted.
 */
final class Reconciler {
  private final int classes;
  private final VerifyReport.Tally tally;

  Reconciler(int classes, VerifyReport.Tally tally) {
    this.classes = classes;
    this.tally = tally;
  }

  void predictions(Path expectedFile, Path receivedFile) throws IOException {
    predictions(expectedFile, receivedFile, null, null);
  }

  /**
   * @param baseFile the base snapshot's rows of this partition, or null for a full run
   * @param deletedFile the ids the run listed as deleted (as keys), or null when they are not checked
   */
  void predictions(Path expectedFile, Path receivedFile, Path baseFile, Path deletedFile) throws IOException {
    Map<String, List<Row>> remaining = new HashMap<>();
    Map<String, List<Row>> matched = new HashMap<>();
    Spill.read(expectedFile, classes, (id, values, extras, key) ->
        remaining.computeIfAbsent(id, k -> new ArrayList<>(1)).add(new Row(values, extras)));
    Map<String, List<Row>> unchanged = baseFile == null ? Map.of() : dropUnchanged(remaining, baseFile, deletedFile);
    Spill.read(receivedFile, classes, (id, doubles, extras, key) -> {
      Row values = new Row(doubles, extras);
      if (take(remaining.get(id), values)) {
        matched.computeIfAbsent(id, k -> new ArrayList<>(1)).add(values);
      } else if (contains(unchanged.get(id), values)) {
        tally.republishedUnchanged++;
      } else if (contains(matched.get(id), values)) {
        tally.duplicatedPredictions++;
        VerifyReport.Tally.addSample(tally.duplicateSample, id + " in " + key);
      } else if (remaining.containsKey(id) || matched.containsKey(id)) {
        tally.mismatched++;
        VerifyReport.Tally.addSample(tally.problemSample, id + " in " + key + " differs from its input row");
      } else {
        tally.unexpected++;
        VerifyReport.Tally.addSample(tally.problemSample, id + " in " + key + " is not in the input");
      }
    });
    for (Map.Entry<String, List<Row>> e : remaining.entrySet()) {
      tally.missing += e.getValue().size();
      if (!e.getValue().isEmpty()) {
        VerifyReport.Tally.addSample(tally.missingSample, e.getKey());
      }
    }
  }

  /**
   * Takes the rows the base held the same out of {@code remaining}, and returns them by id; checks
   * the ids the base held and the input no longer does against the ids the run listed as deleted.
   */
  private Map<String, List<Row>> dropUnchanged(Map<String, List<Row>> remaining, Path baseFile, Path deletedFile)
      throws IOException {
    Map<String, List<Row>> unchanged = new HashMap<>();
    Set<String> gone = new HashSet<>();
    Spill.read(baseFile, classes, (id, values, extras, key) -> {
      Row row = new Row(values, extras);
      List<Row> now = remaining.get(id);
      if (take(now, row)) {
        unchanged.computeIfAbsent(id, k -> new ArrayList<>(1)).add(row);
        tally.expected--;
        tally.unchanged++;
      } else if (now == null && !unchanged.containsKey(id)) {
        gone.add(id);
      }
    });
    remaining.values().removeIf(List::isEmpty);
    gone.removeAll(unchanged.keySet());
    tally.expectedDeletedIds += gone.size();
    if (deletedFile != null) {
      Spill.readKeys(deletedFile, (id, hash1, hash2) -> {
        tally.listedDeletedIds++;
        if (remaining.containsKey(id) || unchanged.containsKey(id)) {
          tally.deletedButLive++;
          VerifyReport.Tally.addSample(tally.problemSample, id + " is listed as deleted but is in the input");
        }
        gone.remove(id);
      });
      tally.deletedNotListed += gone.size();
      gone.stream().limit(10).forEach(id ->
          VerifyReport.Tally.addSample(tally.problemSample, id + " is gone since the base but not listed as deleted"));
    }
    return unchanged;
  }

  void keys(Path keysFile) throws IOException {
    Map<String, long[]> first = new HashMap<>();
    Spill.readKeys(keysFile, (key, hash1, hash2) -> {
      long[] seen = first.putIfAbsent(key, new long[] {hash1, hash2});
      if (seen == null) {
        return;
      }
      if (seen[0] == hash1 && seen[1] == hash2) {
        tally.duplicatedMessages++;
      } else {
        tally.conflictingKeys++;
        VerifyReport.Tally.addSample(tally.problemSample,
            "key " + key + " carries two different messages: a consumer that drops repeated keys loses one");
      }
    });
  }

  /** What a prediction carries besides its id. */
  private record Row(double[] values, String extras) {
    boolean sameAs(Row other) {
      return Arrays.equals(values, other.values) && extras.equals(other.extras);
    }
  }

  private static boolean take(List<Row> candidates, Row values) {
    if (candidates != null) {
      for (Iterator<Row> it = candidates.iterator(); it.hasNext(); ) {
        if (it.next().sameAs(values)) {
          it.remove();
          return true;
        }
      }
    }
    return false;
  }

  private static boolean contains(List<Row> candidates, Row values) {
    return candidates != null && candidates.stream().anyMatch(c -> c.sameAs(values));
  }
}
