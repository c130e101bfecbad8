package io.predictionrelay.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.model.Prediction;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier's side of an incremental run: with the base snapshot's rows given, a row the base
 * held the same is not expected, a new or changed one is, and the ids the base held and the input
 * no longer does must be exactly the ids the run listed as deleted.
 */
class ChangesReconcileTest {
  @TempDir Path dir;

  // The base: a, b, c, d. The input now: a unchanged, b changed, c gone, d unchanged, e new.
  private static final List<Prediction> BASE = List.of(p("a", 0.1), p("b", 0.2), p("c", 0.3), p("d", 0.4));
  private static final List<Prediction> NOW = List.of(p("a", 0.1), p("b", 0.25), p("d", 0.4), p("e", 0.5));

  private static Prediction p(String id, double value) {
    return new Prediction(id, new double[] {value, 1 - value});
  }

  private VerifyReport reconcile(List<Prediction> received, List<String> deleted) throws IOException {
    VerifyReport.Tally tally = new VerifyReport.Tally();
    tally.changes = "changes since run r1";
    tally.deletedIdsChecked = deleted != null;
    try (Spill expected = new Spill(dir.resolve("expected"), 1);
        Spill base = new Spill(dir.resolve("base"), 1);
        Spill in = new Spill(dir.resolve("received"), 1);
        Spill gone = new Spill(dir.resolve("deleted"), 1)) {
      NOW.forEach(p -> expected.write(p, ""));
      tally.expected = NOW.size();
      BASE.forEach(p -> base.write(p, ""));
      received.forEach(p -> in.write(p, "c1-0-0"));
      tally.received = received.size();
      if (deleted != null) {
        deleted.forEach(id -> gone.writeKey(id, 0, 0));
      }
    }
    new Reconciler(2, tally).predictions(dir.resolve("expected/0"), dir.resolve("received/0"), dir.resolve("base/0"),
        deleted == null ? null : dir.resolve("deleted/0"));
    return tally.report();
  }

  @Test
  void theChangedAndNewRowsAreExpectedAndTheIdsGoneListed() throws IOException {
    VerifyReport report = reconcile(List.of(p("b", 0.25), p("e", 0.5)), List.of("c"));
    assertTrue(report.ok(), report.toString());
    assertEquals(2, report.expected());
    assertEquals(2, report.unchanged());
    assertEquals(1, report.expectedDeletedIds());
    assertEquals(1, report.listedDeletedIds());
    assertTrue(report.toString().contains("ids deleted since base   1 (1 listed; 0 listed but in the input, 0 not listed)"),
        report.toString());
  }

  @Test
  void aChangedRowNotPublishedIsMissingAndAnUnchangedOneAgainIsOnlyCounted() throws IOException {
    VerifyReport report = reconcile(List.of(p("e", 0.5), p("a", 0.1)), null);
    assertFalse(report.ok());
    assertEquals(1, report.missing());
    assertEquals(List.of("b"), report.missingSample());
    assertEquals(1, report.republishedUnchanged());
    assertEquals(0, report.unexpected());
  }

  @Test
  void anOldValueOfAChangedRowDiffersFromTheInput() throws IOException {
    VerifyReport report = reconcile(List.of(p("b", 0.2), p("e", 0.5)), List.of("c"));
    assertFalse(report.ok());
    assertEquals(1, report.mismatched());
  }

  @Test
  void deletedIdsMustBeExactlyTheIdsGone() throws IOException {
    VerifyReport live = reconcile(List.of(p("b", 0.25), p("e", 0.5)), List.of("c", "d"));
    assertFalse(live.ok());
    assertEquals(1, live.deletedButLive());
    assertTrue(live.problemSample().contains("d is listed as deleted but is in the input"), live.toString());

    VerifyReport notListed = reconcile(List.of(p("b", 0.25), p("e", 0.5)), List.of());
    assertFalse(notListed.ok());
    assertEquals(1, notListed.deletedNotListed());
    assertEquals(List.of("c is gone since the base but not listed as deleted"), notListed.problemSample());
  }
}
