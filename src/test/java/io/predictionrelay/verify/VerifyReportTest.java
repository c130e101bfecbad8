package io.predictionrelay.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class VerifyReportTest {
  @Test
  void theReportIsTheTallyOnceDoneAndPrintsAsTheVerifierAlwaysHas() {
    VerifyReport.Tally tally = new VerifyReport.Tally();
    tally.inputRows = 1_234_567;
    tally.expectedDeadLetters = 2;
    tally.expected = 1_234_565;
    tally.messages = 123_457;
    tally.received = 1_234_566;
    tally.missing = 1;
    tally.duplicatedPredictions = 2;
    tally.duplicatedMessages = 3;
    tally.unexpected = 4;
    tally.mismatched = 5;
    tally.invalidMessages = 6;
    tally.overCountCap = 7;
    tally.overByteCap = 8;
    tally.headerMismatches = 9;
    tally.conflictingKeys = 10;
    VerifyReport.Tally.addSample(tally.missingSample, "a");
    VerifyReport.Tally.addSample(tally.duplicateSample, "b in 3-0");
    VerifyReport.Tally.addSample(tally.duplicateSample, "c in 3-1");
    for (int i = 0; i < 12; i++) {
      VerifyReport.Tally.addSample(tally.problemSample, "p" + i);
    }
    VerifyReport report = tally.report();
    tally.missing = 99;
    tally.missingSample.add("later");
    assertEquals(1, report.missing());
    assertEquals(List.of("a"), report.missingSample());
    assertThrows(UnsupportedOperationException.class, () -> report.problemSample().add("x"));
    assertFalse(report.ok());
    StringBuilder problems = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      problems.append("    p").append(i).append('\n');
    }
    assertEquals("verification\n"
            + "  input rows               1,234,567 (2 expected as dead letters)\n"
            + "  predictions expected     1,234,565\n"
            + "  messages consumed        123,457\n"
            + "  predictions received     1,234,566\n"
            + "  missing                  1  e.g. a\n"
            + "  duplicated predictions   2  e.g. b in 3-0, c in 3-1\n"
            + "  duplicated message keys  3 (same bytes again: dropped by key)\n"
            + "  keys with other bytes    10\n"
            + "  not in the input         4\n"
            + "  differing from input     5\n"
            + "  not JSON of the layout   6\n"
            + "  over the count cap       7\n"
            + "  over the byte cap        8\n"
            + "  header count mismatches  9\n"
            + "  problems, e.g.\n" + problems
            + "  FAILED",
        report.toString().replace(System.lineSeparator(), "\n"));
  }

  @Test
  void duplicatesAloneAreOk() {
    VerifyReport.Tally tally = new VerifyReport.Tally();
    tally.expected = 5;
    tally.received = 6;
    tally.duplicatedPredictions = 1;
    tally.duplicatedMessages = 1;
    VerifyReport report = tally.report();
    assertTrue(report.ok(), report.toString());
    assertTrue(report.toString().endsWith("  OK: every expected prediction arrived intact"), report.toString());
  }
}
