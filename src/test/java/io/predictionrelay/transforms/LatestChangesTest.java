package io.predictionrelay.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.predictionrelay.model.ChangedRow;
import io.predictionrelay.model.Prediction;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The latest change of each id wins: by commit version, and within a commit a new value after a deletion. */
class LatestChangesTest {
  private static ChangedRow upsert(String id, double value, long version) {
    return new ChangedRow(new Prediction(id, new double[] {value}), version, false);
  }

  private static ChangedRow delete(String id, double value, long version) {
    return new ChangedRow(new Prediction(id, new double[] {value}), version, true);
  }

  @Test
  void theLatestCommitWinsWhateverItIs() {
    LatestChanges.Outcome outcome = LatestChanges.of(List.of(
        upsert("a", 0.1, 2), upsert("a", 0.2, 5), upsert("a", 0.3, 3), // updated three times: 5 wins
        upsert("b", 0.1, 2), delete("b", 0.1, 4),                      // inserted, then deleted
        delete("c", 0.5, 3), upsert("c", 0.6, 6)));                    // deleted, then inserted again
    assertEquals(List.of(new Prediction("a", new double[] {0.2}), new Prediction("c", new double[] {0.6})),
        outcome.published());
    assertEquals(List.of("b"), outcome.deletedIds());
    assertEquals(4, outcome.superseded());
    assertEquals(1, outcome.deleteRows());
  }

  @Test
  void withinACommitTheNewValueBeatsTheDeletion() {
    // A commit without change data files that rewrites a file: its rows deleted, those kept inserted again.
    LatestChanges.Outcome outcome = LatestChanges.of(List.of(
        delete("kept", 0.1, 7), upsert("kept", 0.1, 7), delete("gone", 0.2, 7)));
    assertEquals(List.of(new Prediction("kept", new double[] {0.1})), outcome.published());
    assertEquals(List.of("gone"), outcome.deletedIds());
    assertEquals(1, outcome.superseded());
    assertEquals(1, outcome.deleteRows());
  }

  @Test
  void anIdTheLatestCommitRepeatsIsPublishedWithEachOfItsRowsInAnyArrivalOrder() {
    List<ChangedRow> changes = new ArrayList<>(List.of(upsert("r", 0.9, 3), upsert("r", 0.4, 3), upsert("r", 0.1, 1),
        upsert("s", 0.5, 1)));
    LatestChanges.Outcome first = LatestChanges.of(changes);
    Collections.shuffle(changes, new Random(7));
    assertEquals(first, LatestChanges.of(changes));
    assertEquals(List.of(new Prediction("r", new double[] {0.4}), new Prediction("r", new double[] {0.9}),
        new Prediction("s", new double[] {0.5})), first.published());
    assertEquals(1, first.superseded());
  }
}
