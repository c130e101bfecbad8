package io.predictionrelay.transforms;

import io.predictionrelay.model.ChangedRow;
import io.predictionrelay.model.Prediction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The rule of an incremental run read from a Delta table's change data feed: of each id, the latest
 * change wins, by commit version and, within a commit, a new value after a deletion
 * ({@link ChangedRow#rank}). An id whose latest change is an insert or an update's post-image is
 * published with that row (with every row of that change, as a full run publishes an id the table
 * repeats); an id whose latest change deletes it is listed as deleted, never published. So a
 * consumer that applied the base run, then this one, holds what a full run of the snapshot now
 * publishes. Kept apart from its DoFn so that the rule is tested on its own.
 */
final class LatestChanges {
  /** Ids first; of one id, the latest change first; then the rows, so the outcome never depends on arrival order. */
  private static final Comparator<ChangedRow> LATEST_FIRST = Comparator.comparing((ChangedRow c) -> c.row().id())
      .thenComparing(Comparator.comparingLong(ChangedRow::rank).reversed())
      .thenComparing(ChangedRow::row);

  /**
   * What a bucket's changes come to.
   *
   * @param published the rows to publish, by id
   * @param deletedIds the ids whose latest change deletes them, in order
   * @param superseded rows of a change that a later change of the same id overrides
   * @param deleteRows rows of the deletes that are their id's latest change
   */
  record Outcome(List<Prediction> published, List<String> deletedIds, long superseded, long deleteRows) {}

  private LatestChanges() {}

  static Outcome of(List<ChangedRow> changes) {
    List<ChangedRow> sorted = new ArrayList<>(changes);
    sorted.sort(LATEST_FIRST);
    List<Prediction> published = new ArrayList<>();
    List<String> deletedIds = new ArrayList<>();
    long superseded = 0;
    long deleteRows = 0;
    int i = 0;
    while (i < sorted.size()) {
      ChangedRow latest = sorted.get(i);
      String id = latest.row().id();
      int end = i;
      while (end < sorted.size() && sorted.get(end).row().id().equals(id)) {
        ChangedRow change = sorted.get(end);
        if (change.rank() != latest.rank()) {
          superseded++;
        } else if (change.deletes()) {
          deleteRows++;
        } else {
          published.add(change.row());
        }
        end++;
      }
      if (latest.deletes()) {
        deletedIds.add(id);
      }
      i = end;
    }
    return new Outcome(published, deletedIds, superseded, deleteRows);
  }
}
