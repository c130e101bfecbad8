package io.predictionrelay.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * What the verifier found. {@link #ok()} when nothing is missing or corrupt and no key carries two
 * different messages; a key repeated with the same bytes (a retried bundle) is reported, not failed.
 */
public final class VerifyReport {
  private static final int SAMPLE = 10;

  public long inputRows;
  public long expectedDeadLetters;
  public long expected;
  public long messages;
  public long received;
  public long missing;
  public long duplicatedPredictions;
  /** Messages whose key an earlier message had, with the same bytes: what a retry re-sends. */
  public long duplicatedMessages;
  /** Messages whose key an earlier message had, with other bytes: a consumer that de-duplicates by key loses one. */
  public long conflictingKeys;
  public long unexpected;
  public long mismatched;
  public long invalidMessages;
  public long overCountCap;
  public long overByteCap;
  public long headerMismatches;
  public final List<String> missingSample = new ArrayList<>();
  public final List<String> duplicateSample = new ArrayList<>();
  public final List<String> problemSample = new ArrayList<>();

  public boolean ok() {
    return missing == 0 && unexpected == 0 && mismatched == 0 && invalidMessages == 0
        && overCountCap == 0 && overByteCap == 0 && headerMismatches == 0 && conflictingKeys == 0;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("verification\n");
    s.append(String.format("  input rows               %,d (%,d expected as dead letters)%n", inputRows, expectedDeadLetters));
    s.append(String.format("  predictions expected     %,d%n", expected));
    s.append(String.format("  messages consumed        %,d%n", messages));
    s.append(String.format("  predictions received     %,d%n", received));
    s.append(String.format("  missing                  %,d%s%n", missing, sample(missingSample)));
    s.append(String.format("  duplicated predictions   %,d%s%n", duplicatedPredictions, sample(duplicateSample)));
    s.append(String.format("  duplicated message keys  %,d (same bytes again: dropped by key)%n", duplicatedMessages));
    s.append(String.format("  keys with other bytes    %,d%n", conflictingKeys));
    s.append(String.format("  not in the input         %,d%n", unexpected));
    s.append(String.format("  differing from input     %,d%n", mismatched));
    s.append(String.format("  not JSON of the layout   %,d%n", invalidMessages));
    s.append(String.format("  over the count cap       %,d%n", overCountCap));
    s.append(String.format("  over the byte cap        %,d%n", overByteCap));
    s.append(String.format("  header count mismatches  %,d%n", headerMismatches));
    if (!problemSample.isEmpty()) {
      s.append("  problems, e.g.\n");
      problemSample.forEach(p -> s.append("    ").append(p).append('\n'));
    }
    s.append(ok() ? "  OK: every expected prediction arrived intact" : "  FAILED");
    return s.toString();
  }

  private static String sample(List<String> sample) {
    return sample.isEmpty() ? "" : "  e.g. " + String.join(", ", sample);
  }

  static void addSample(List<String> sample, String value) {
    if (sample.size() < SAMPLE) {
      sample.add(value);
    }
  }
}
