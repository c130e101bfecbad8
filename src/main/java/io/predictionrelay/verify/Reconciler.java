package io.predictionrelay.verify;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reconciles one hash partition: every expected prediction must have arrived, intact, and every
 * received one must be expected; every message key must stand for one message only.
 */
final class Reconciler {
  private final int classes;
  private final VerifyReport report;

  Reconciler(int classes, VerifyReport report) {
    this.classes = classes;
    this.report = report;
  }

  void predictions(Path expectedFile, Path receivedFile) throws IOException {
    Map<String, List<Row>> remaining = new HashMap<>();
    Map<String, List<Row>> matched = new HashMap<>();
    Spill.read(expectedFile, classes, (id, values, extras, key) ->
        remaining.computeIfAbsent(id, k -> new ArrayList<>(1)).add(new Row(values, extras)));
    Spill.read(receivedFile, classes, (id, doubles, extras, key) -> {
      Row values = new Row(doubles, extras);
      if (take(remaining.get(id), values)) {
        matched.computeIfAbsent(id, k -> new ArrayList<>(1)).add(values);
      } else if (contains(matched.get(id), values)) {
        report.duplicatedPredictions++;
        VerifyReport.addSample(report.duplicateSample, id + " in " + key);
      } else if (remaining.containsKey(id) || matched.containsKey(id)) {
        report.mismatched++;
        VerifyReport.addSample(report.problemSample, id + " in " + key + " differs from its input row");
      } else {
        report.unexpected++;
        VerifyReport.addSample(report.problemSample, id + " in " + key + " is not in the input");
      }
    });
    for (Map.Entry<String, List<Row>> e : remaining.entrySet()) {
      report.missing += e.getValue().size();
      if (!e.getValue().isEmpty()) {
        VerifyReport.addSample(report.missingSample, e.getKey());
      }
    }
  }

  void keys(Path keysFile) throws IOException {
    Map<String, long[]> first = new HashMap<>();
    Spill.readKeys(keysFile, (key, hash1, hash2) -> {
      long[] seen = first.putIfAbsent(key, new long[] {hash1, hash2});
      if (seen == null) {
        return;
      }
      if (seen[0] == hash1 && seen[1] == hash2) {
        report.duplicatedMessages++;
      } else {
        report.conflictingKeys++;
        VerifyReport.addSample(report.problemSample,
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
