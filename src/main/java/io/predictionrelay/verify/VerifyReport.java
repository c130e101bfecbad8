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
  private final String changes;
  private final long unchanged;
  private final long republishedUnchanged;
  private final long expectedDeletedIds;
  private final long listedDeletedIds;
  private final boolean deletedIdsChecked;
  private final long deletedButLive;
  private final long deletedNotListed;
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
    this.changes = tally.changes;
    this.unchanged = tally.unchanged;
    this.republishedUnchanged = tally.republishedUnchanged;
    this.expectedDeletedIds = tally.expectedDeletedIds;
    this.listedDeletedIds = tally.listedDeletedIds;
    this.deletedIdsChecked = tally.deletedIdsChecked;
    this.deletedButLive = tally.deletedButLive;
    this.deletedNotListed = tally.deletedNotListed;
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

  /** For an incremental run, what it published the changes since; null for a full run. */
  public String changes() {
    return changes;
  }

  /** For an incremental run: input rows the base snapshot held the same, not expected. */
  public long unchanged() {
    return unchanged;
  }

  /**
   * For an incremental run: received rows the base held the same. Not a failure: a table's own
   * change feed reports a row updated to the value it had as changed, and the consumer's state is right.
   */
  public long republishedUnchanged() {
    return republishedUnchanged;
  }

  /** For an incremental run: ids of the base snapshot the input no longer has. */
  public long expectedDeletedIds() {
    return expectedDeletedIds;
  }

  /** For an incremental run, with {@code --deletedIds}: the ids the run listed as deleted. */
  public long listedDeletedIds() {
    return listedDeletedIds;
  }

  /** Ids listed as deleted that the input still has: a consumer applying the list loses them. */
  public long deletedButLive() {
    return deletedButLive;
  }

  /** Ids gone since the base that the run did not list as deleted: a consumer keeps them. */
  public long deletedNotListed() {
    return deletedNotListed;
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
        && overCountCap == 0 && overByteCap == 0 && headerMismatches == 0 && conflictingKeys == 0
        && deletedButLive == 0 && deletedNotListed == 0;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("verification\n");
    if (changes != null) {
      s.append("  run                      ").append(changes).append('\n');
    }
    s.append(String.format("  input rows               %,d (%,d expected as dead letters)%n", inputRows, expectedDeadLetters));
    if (changes != null) {
      s.append(String.format("  unchanged since the base %,d (not expected; %,d published again)%n", unchanged,
          republishedUnchanged));
    }
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
    if (changes != null) {
      s.append(String.format("  ids deleted since base   %,d%s%n", expectedDeletedIds, deletedIdsChecked
          ? String.format(" (%,d listed; %,d listed but in the input, %,d not listed)", listedDeletedIds,
              deletedButLive, deletedNotListed)
          : " (the run's list not checked: --deletedIds)"));
    }
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
    String changes;
    long unchanged;
    long republishedUnchanged;
    long expectedDeletedIds;
    long listedDeletedIds;
    boolean deletedIdsChecked;
    long deletedButLive;
    long deletedNotListed;
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
