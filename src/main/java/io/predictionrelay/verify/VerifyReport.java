package io.predictionrelay.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * What the verifier found, once it is done (counted in a {@link Tally} meanwhile). {@link #ok()} when nothing is missing or corrupt and no key carries two
 * different messages; a key repeated with the same bytes (a retried bundle) is reported, not failed.
 */
public final class VerifyReport {
  private static final int SAMPLE = 10;

  private final long inputRows;
  private final long expectedDeadLetters;
  private final long expected;
  private final long messages;
  private final long received;
  private final long missing;
  private final long duplicatedPredictions;
  private final long duplicatedMessages;
  private final long conflictingKeys;
  private final long unexpected;
  private final long mismatched;
  private final long invalidMessages;
  private final long overCountCap;
  private final long overByteCap;
  private final long headerMismatches;
  private final List<String> missingSample;
  private final List<String> duplicateSample;
  private final List<String> problemSample;

  private VerifyReport(Tally tally) {
    this.inputRows = tally.inputRows;
    this.expectedDeadLetters = tally.expectedDeadLetters;
    this.expected = tally.expected;
    this.messages = tally.messages;
    this.received = tally.received;
    this.missing = tally.missing;
    this.duplicatedPredictions = tally.duplicatedPredictions;
    this.duplicatedMessages = tally.duplicatedMessages;
    this.conflictingKeys = tally.conflictingKeys;
    this.unexpected = tally.unexpected;
    this.mismatched = tally.mismatched;
    this.invalidMessages = tally.invalidMessages;
    this.overCountCap = tally.overCountCap;
    this.overByteCap = tally.overByteCap;
    this.headerMismatches = tally.headerMismatches;
    this.missingSample = List.copyOf(tally.missingSample);
    this.duplicateSample = List.copyOf(tally.duplicateSample);
    this.problemSample = List.copyOf(tally.problemSample);
  }

  public long inputRows() {
    return inputRows;
  }

  public long expectedDeadLetters() {
    return expectedDeadLetters;
  }

  public long expected() {
    return expected;
  }

  public long messages() {
    return messages;
  }

  public long received() {
    return received;
  }

  public long missing() {
    return missing;
  }

  public long duplicatedPredictions() {
    return duplicatedPredictions;
  }

  /** Messages whose key an earlier message had, with the same bytes: what a retry re-sends. */
  public long duplicatedMessages() {
    return duplicatedMessages;
  }

  /** Messages whose key an earlier message had, with other bytes: a consumer that de-duplicates by key loses one. */
  public long conflictingKeys() {
    return conflictingKeys;
  }

  public long unexpected() {
    return unexpected;
  }

  public long mismatched() {
    return mismatched;
  }

  public long invalidMessages() {
    return invalidMessages;
  }

  public long overCountCap() {
    return overCountCap;
  }

  public long overByteCap() {
    return overByteCap;
  }

  public long headerMismatches() {
    return headerMismatches;
  }

  /** Up to ten ids of missing predictions. */
  public List<String> missingSample() {
    return missingSample;
  }

  /** Up to ten duplicated predictions, as {@code id in key}. */
  public List<String> duplicateSample() {
    return duplicateSample;
  }

  /** Up to ten other problems, one line each. */
  public List<String> problemSample() {
    return problemSample;
  }

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

  /** The counts as the verifier takes them, message by message; {@link #report} when it is done. */
  static final class Tally {
    long inputRows;
    long expectedDeadLetters;
    long expected;
    long messages;
    long received;
    long missing;
    long duplicatedPredictions;
    long duplicatedMessages;
    long conflictingKeys;
    long unexpected;
    long mismatched;
    long invalidMessages;
    long overCountCap;
    long overByteCap;
    long headerMismatches;
    final List<String> missingSample = new ArrayList<>();
    final List<String> duplicateSample = new ArrayList<>();
    final List<String> problemSample = new ArrayList<>();

    VerifyReport report() {
      return new VerifyReport(this);
    }

    static void addSample(List<String> sample, String value) {
      if (sample.size() < SAMPLE) {
        sample.add(value);
      }
    }
  }
}
