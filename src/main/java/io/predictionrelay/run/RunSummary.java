package io.predictionrelay.run;

import io.predictionrelay.input.ChangeFeed;
import io.predictionrelay.input.ChangeFeed.Source;
import io.predictionrelay.input.SnapshotChanges;
import io.predictionrelay.model.DeadLetter;
import io.predictionrelay.model.RunMetrics;
import io.predictionrelay.model.RunMetrics.PartitionTraffic;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.DistributionResult;

/**
 * The counts of a finished run, read from Beam's metrics, whether they reconcile (every row the
 * footers announce was read, and every row read was published or dead-lettered), and how the data
 * moved: bucket sizes, predictions per message, full messages, and traffic per Kafka partition.
 */
public final class RunSummary {
  private final long expectedRows;
  private final long rowsSkipped;
  private final int topicPartitions;
  private final RunCounts counts;
  /** What Spark re-ran, when the run was on Spark and watched; else null. */
  private final SparkFaults.Counts sparkFaults;
  /** Records the topic took during the run beyond the messages counted as published; null when unknown. */
  private final Long messagesSentAgain;
  /** Set when the run was resumed after an attempt had completed it: the one line that says so. */
  private final String nothingToSend;
  /** What an incremental run started from and read; null for a full run. */
  private final ChangesSince changes;

  RunSummary(long expectedRows, long rowsSkipped, int topicPartitions, RunCounts counts) {
    this(expectedRows, rowsSkipped, topicPartitions, counts, null, null, null, null);
  }

  private RunSummary(long expectedRows, long rowsSkipped, int topicPartitions, RunCounts counts,
      SparkFaults.Counts sparkFaults, Long messagesSentAgain, String nothingToSend, ChangesSince changes) {
    this.changes = changes;
    this.expectedRows = expectedRows;
    this.rowsSkipped = rowsSkipped;
    this.topicPartitions = topicPartitions;
    this.counts = counts;
    this.sparkFaults = sparkFaults;
    this.messagesSentAgain = messagesSentAgain;
    this.nothingToSend = nothingToSend;
  }

  /** This summary with what Spark re-ran during the run. */
  public RunSummary withSparkFaults(SparkFaults.Counts faults) {
    return new RunSummary(expectedRows, rowsSkipped, topicPartitions, counts, faults, messagesSentAgain, null, changes);
  }

  /**
   * This summary with the records the topic took during the run ({@code appended}, from its end
   * offsets before and after): those beyond the messages published were sent again by re-run tasks.
   */
  public RunSummary withRecordsAppended(long appended) {
    return new RunSummary(expectedRows, rowsSkipped, topicPartitions, counts, sparkFaults,
        Math.max(0, appended - messages()), null, changes);
  }

  /**
   * A resumed run whose earlier attempt completed it: every row skipped, nothing read or sent; the
   * counts reconcile, and the summary is one line.
   */
  public static RunSummary nothingToSend(RunPlan plan) {
    RunIdentity identity = plan.identity();
    return new RunSummary(plan.input().totalRows(), plan.input().totalRows(), plan.topicPartitions(),
        RunCounts.empty(), null, null, "nothing to send: run " + identity.runId() + " completed at "
            + identity.resume().completedAt() + " (its record on " + RunIdentity.runsTopic(plan.options()) + ")",
        null);
  }

  /** Whether the run was resumed after it had completed: nothing was read or sent. */
  public boolean wasNothingToSend() {
    return nothingToSend != null;
  }

  /** The committed counts of a finished pipeline built from {@code plan}. */
  public static RunSummary of(PipelineResult result, RunPlan plan) {
    RunIdentity.Resume resume = plan.identity().resume();
    ChangesSince changes = plan.changes().orElse(null);
    long expected = plan.input().totalRows();
    long skipped = resume == null ? 0 : resume.rowsSkipped();
    if (changes != null) {
      // The base rows compared, or the change data feed's, are read too; the unchanged files' rows are not.
      expected += changes.changes().rowsReadBesidesInput();
      skipped += changes.changes().rowsUnchanged();
    }
    return new RunSummary(expected, skipped, plan.topicPartitions(), RunCounts.committed(result), null, null, null,
        changes);
  }

  /** Rows of input splits a resumed run did not read: every message of those splits had arrived. */
  public long rowsSkipped() {
    return rowsSkipped;
  }

  /** Predictions a resumed run read but did not send: every message of their bucket had arrived. */
  public long predictionsSkipped() {
    return counts.splitFact(RunMetrics.PREDICTIONS_SKIPPED);
  }

  /** Rows of rewritten files that an incremental run found equal to their base rows: not published. */
  public long predictionsUnchanged() {
    return counter(RunMetrics.PREDICTIONS_UNCHANGED);
  }

  /** Rows of the base snapshot an incremental run read to compare by id: never published. */
  public long baseRowsCompared() {
    return counter(RunMetrics.BASE_ROWS_COMPARED);
  }

  /** Update pre-images an incremental run read from a Delta change data feed: left aside, never published. */
  public long updatePreimages() {
    return counts.splitFact(RunMetrics.UPDATE_PREIMAGES);
  }

  /** Rows of a change data feed that a later change of their id overrides: never published. */
  public long changesSuperseded() {
    return counter(RunMetrics.CHANGES_SUPERSEDED);
  }

  /** Delete rows of a change data feed that are their id's latest change: their ids are listed as deleted. */
  public long changeDeletes() {
    return counter(RunMetrics.CHANGE_DELETES);
  }

  /** Ids an incremental run found deleted since its base: listed under --reportDir, never published. */
  public long idsDeleted() {
    return counter(RunMetrics.IDS_DELETED);
  }

  /** The counts this summary was read from. */
  RunCounts counts() {
    return counts;
  }

  private long counter(String name) {
    return counts.counter(name);
  }

  public long expectedRows() {
    return expectedRows;
  }

  /** Rows read, each split once however many times it was read (a retried task, a re-run stage). */
  public long rowsRead() {
    return counts.splitFact(RunMetrics.ROWS_READ);
  }

  /** Splits read (each once). */
  public long splitsRead() {
    return counts.splitsWith(RunMetrics.ROWS_READ);
  }

  /** Reads of splits beyond the first: splits a retried task or a re-run stage read again. */
  public long splitsReadAgain() {
    return Math.max(0, counter(RunMetrics.SPLIT_READS) - splitsRead());
  }

  /** Rows of the splits read again, as many times as they were. */
  public long rowsReadAgain() {
    return Math.max(0, counter(RunMetrics.ROWS_READ_ALL_ATTEMPTS) - rowsRead());
  }

  /**
   * Messages the topic took more than once: records it took during the run beyond the messages
   * published (exact when nothing else writes the topic meanwhile); -1 when unknown (files sink).
   */
  public long messagesSentAgain() {
    return messagesSentAgain == null ? -1 : messagesSentAgain;
  }

  /** What Spark re-ran; null when the run was not on Spark. */
  public SparkFaults.Counts sparkFaults() {
    return sparkFaults;
  }

  /** The retries a run survived, for the report and the run record. */
  public Map<String, Object> retriesAsMap() {
    Map<String, Object> retries = new LinkedHashMap<>();
    retries.put("splitsRead", splitsRead());
    retries.put("splitsReadAgain", splitsReadAgain());
    retries.put("rowsReadAgain", rowsReadAgain());
    if (sparkFaults != null) {
      retries.put("failedTaskAttempts", sparkFaults.failedTasks());
      retries.put("tasksRerun", sparkFaults.tasksRerun());
      retries.put("stagesRerun", sparkFaults.stagesRerun());
      retries.put("executorsLost", sparkFaults.executorsLost());
    }
    if (messagesSentAgain != null) {
      retries.put("messagesSentAgain", messagesSentAgain);
    }
    return retries;
  }

  public Map<DeadLetter.Reason, Long> deadLetters() {
    Map<DeadLetter.Reason, Long> byReason = new EnumMap<>(DeadLetter.Reason.class);
    for (DeadLetter.Reason reason : DeadLetter.Reason.values()) {
      byReason.put(reason, counts.splitFact(RunMetrics.deadLetters(reason)));
    }
    return byReason;
  }

  public long deadLettered() {
    return deadLetters().values().stream().mapToLong(Long::longValue).sum();
  }

  public long messages() {
    return counter(RunMetrics.MESSAGES);
  }

  public long predictions() {
    return counter(RunMetrics.PREDICTIONS);
  }

  public long bytes() {
    return counter(RunMetrics.BYTES);
  }

  public DistributionResult predictionsPerMessage() {
    return counts.distribution(RunMetrics.PREDICTIONS_PER_MESSAGE);
  }

  /** Rows whose id an earlier row already had: published as they are, counted here. */
  public long repeatedIds() {
    return counter(RunMetrics.REPEATED_IDS);
  }

  /** Rows per bucket (bucketed grouping only). */
  public DistributionResult bucketRows() {
    return counts.distribution(RunMetrics.BUCKET_ROWS);
  }

  /** The share of messages that are full (by count, or by bytes), bucketed grouping only. */
  public double fullMessageShare() {
    long full = counter(RunMetrics.FULL_MESSAGES);
    return messages() == 0 ? 0 : (double) full / messages();
  }

  /** Buckets per size bin: the lowest size of each 2%-wide bin, and how many buckets fell in it. */
  public Map<Long, Long> bucketSizeHistogram() {
    Map<Long, Long> histogram = new TreeMap<>();
    counts.countersStartingWith(RunMetrics.BUCKET_ROWS_BIN).forEach((bin, count) -> {
      if (count > 0) {
        histogram.merge(RunMetrics.binStart(Integer.parseInt(bin)), count, Long::sum);
      }
    });
    return histogram;
  }

  /** The bucket size at quantile q, to within the 2% of a bin: the start of the bin it falls in. */
  public long bucketRowsQuantile(double q) {
    Map<Long, Long> histogram = bucketSizeHistogram();
    long total = histogram.values().stream().mapToLong(Long::longValue).sum();
    long seen = 0;
    for (Map.Entry<Long, Long> bin : histogram.entrySet()) {
      seen += bin.getValue();
      if (seen >= Math.ceil(q * total)) {
        return bin.getKey();
      }
    }
    return 0;
  }

  /**
   * Messages, predictions and bytes each partition of the topic acknowledged, for every partition,
   * those that got nothing too. Empty for the files sink.
   */
  public Map<Integer, Map<String, Long>> perPartition() {
    Map<Integer, Map<String, Long>> partitions = new TreeMap<>();
    for (int p = 0; p < topicPartitions; p++) {
      Map<String, Long> traffic = new LinkedHashMap<>();
      for (PartitionTraffic what : PartitionTraffic.values()) {
        traffic.put(what.name().toLowerCase(java.util.Locale.ROOT), counter(what.counterName(p)));
      }
      partitions.put(p, traffic);
    }
    return partitions;
  }

  /** The counts, as the run report and the run record carry them. */
  public Map<String, Object> countsAsMap() {
    Map<String, Object> counts = new LinkedHashMap<>();
    counts.put("rowsInFooters", expectedRows);
    counts.put("rowsSkipped", rowsSkipped);
    counts.put("rowsRead", rowsRead());
    counts.put("predictionsPublished", predictions());
    counts.put("predictionsSkipped", predictionsSkipped());
    counts.put("rowsDeadLettered", deadLettered());
    counts.put("deadLettersByReason", deadLetters());
    counts.put("repeatedIds", repeatedIds());
    counts.put("messagesPublished", messages());
    counts.put("bytesPublished", bytes());
    if (changes != null) {
      Map<String, Object> compared = new LinkedHashMap<>(changes.changes().toMap());
      compared.put("since", changes.baseRunId());
      compared.put("predictionsUnchanged", predictionsUnchanged());
      compared.put("baseRowsCompared", baseRowsCompared());
      compared.put("idsNew", counter(RunMetrics.IDS_NEW));
      compared.put("idsChanged", counter(RunMetrics.IDS_CHANGED));
      compared.put("idsDeleted", idsDeleted());
      if (changes.changes().changeFeed().isPresent()) {
        compared.put("updatePreimages", updatePreimages());
        compared.put("changesSuperseded", changesSuperseded());
        compared.put("changeDeletes", changeDeletes());
      }
      counts.put("changes", compared);
    }
    counts.put("reconciles", reconciles());
    counts.put("retries", retriesAsMap());
    return counts;
  }

  /**
   * Rows in the footers = rows read (+ rows of splits skipped on resume), and rows read =
   * predictions published + rows dead-lettered (+ predictions skipped on resume; + an incremental
   * run's rows unchanged and base rows compared, or its change data feed's rows not published).
   */
  public boolean reconciles() {
    return rowsRead() + rowsSkipped == expectedRows
        && rowsRead() == predictions() + deadLettered() + predictionsSkipped() + predictionsUnchanged()
            + baseRowsCompared() + updatePreimages() + changesSuperseded() + changeDeletes();
  }

  @Override
  public String toString() {
    if (nothingToSend != null) {
      return nothingToSend;
    }
    StringBuilder s = new StringBuilder("run summary\n");
    s.append(String.format("  rows in input footers   %,d%n", expectedRows));
    if (changes != null) {
      SnapshotChanges c = changes.changes();
      s.append(String.format("  changes since run %s (%s -> %s)%n", changes.baseRunId(), c.base().describe(),
          c.now().describe()));
      s.append(String.format("  changes found by        %s%s%n", c.method(), c.changeFeedUnavailable() == null ? ""
          : " (not the change data feed: " + c.changeFeedUnavailable() + ")"));
      if (c.changeFeed().isPresent()) {
        ChangeFeed feed = c.changeFeed().get();
        s.append(String.format("  not read                %,d files, %,d rows of the snapshot now; %,d data files of"
                + " the commits (rewritten, told by change data files, or no data change: %,d commits)%n",
            c.filesUnchanged(), c.rowsUnchanged(), feed.filesNotRead(), feed.commitsWithoutDataChange()));
        s.append(String.format("  change data feed read   %,d commits: %,d change data files (%,d rows), %,d added"
                + " files (%,d rows), %,d removed files (%,d rows)%n",
            feed.commits(), feed.files(Source.CHANGE_DATA), feed.rows(Source.CHANGE_DATA), feed.files(Source.ADDED),
            feed.rows(Source.ADDED), feed.files(Source.REMOVED), feed.rows(Source.REMOVED)));
        s.append(String.format("  latest change per id    %,d update pre-images left aside, %,d rows superseded,"
                + " %,d ids deleted (listed under --reportDir, not published)%n",
            updatePreimages(), changesSuperseded(), idsDeleted()));
      } else {
        s.append(String.format("  skipped as unchanged    %,d files, %,d row groups, %,d rows (the same files as then)%n",
            c.filesUnchanged(), c.rowGroupsUnchanged(), c.rowsUnchanged()));
      }
      if (c.comparesById()) {
        s.append(String.format("  compared by id          %,d base rows of %,d rewritten files; %,d rows unchanged,"
                + " %,d ids new, %,d changed, %,d deleted (listed under --reportDir, not published)%n",
            baseRowsCompared(), c.filesRemoved().size(), predictionsUnchanged(), counter(RunMetrics.IDS_NEW),
            counter(RunMetrics.IDS_CHANGED), idsDeleted()));
      }
      if (!c.filesReplacedInPlace().isEmpty()) {
        s.append(String.format("  replaced in place       %,d files, published whole (their old rows are gone)%n",
            c.filesReplacedInPlace().size()));
      }
      if (!c.plainFilesRemoved().isEmpty()) {
        s.append(String.format("  files removed           %,d (their ids cannot be listed as deleted)%n",
            c.plainFilesRemoved().size()));
      }
    } else if (rowsSkipped > 0) {
      s.append(String.format("  rows skipped (delivered) %,d (their splits arrived whole in the resumed run)%n", rowsSkipped));
    }
    s.append(String.format("  rows read               %,d%n", rowsRead()));
    s.append(String.format("  predictions published   %,d%n", predictions()));
    if (predictionsSkipped() > 0) {
      s.append(String.format("  predictions skipped     %,d (already delivered: their buckets arrived whole)%n",
          predictionsSkipped()));
    }
    s.append(String.format("  rows dead-lettered      %,d%n", deadLettered()));
    deadLetters().forEach((reason, count) -> {
      if (count > 0) {
        s.append(String.format("    %-22s%,d%n", reason, count));
      }
    });
    if (repeatedIds() > 0) {
      s.append(String.format("  repeated id_client      %,d (published as they are)%n", repeatedIds()));
    }
    s.append(String.format("  messages published      %,d%n", messages()));
    s.append(String.format("  bytes published         %,d%n", bytes()));
    DistributionResult perMessage = predictionsPerMessage();
    if (perMessage.getCount() > 0) {
      s.append(String.format("  predictions per message min %d, mean %.2f, max %d%n",
          perMessage.getMin(), perMessage.getMean(), perMessage.getMax()));
    }
    DistributionResult buckets = bucketRows();
    if (buckets.getCount() > 0) {
      s.append(String.format("  full messages           %.2f%%%n", 100 * fullMessageShare()));
      s.append(String.format("  rows per bucket         %,d buckets: min %,d, p50 ~%,d, p99 ~%,d, max %,d%n",
          buckets.getCount(), buckets.getMin(), bucketRowsQuantile(0.5), bucketRowsQuantile(0.99), buckets.getMax()));
    }
    if (splitsReadAgain() > 0 || rowsReadAgain() > 0) {
      s.append(String.format("  splits read again       %,d of %,d (%,d rows, counted once)%n",
          splitsReadAgain(), splitsRead(), rowsReadAgain()));
    }
    if (sparkFaults != null && (sparkFaults.failedTasks() + sparkFaults.stagesRerun() + sparkFaults.executorsLost() > 0)) {
      s.append(String.format("  spark retries           %,d task attempts failed, %,d tasks re-run, %,d stages re-run,"
              + " %,d executors lost%n",
          sparkFaults.failedTasks(), sparkFaults.tasksRerun(), sparkFaults.stagesRerun(), sparkFaults.executorsLost()));
    }
    if (messagesSentAgain() > 0) {
      s.append(String.format("  messages sent again     %,d (same keys and bytes: consumers drop them by key)%n",
          messagesSentAgain()));
    }
    perPartition().forEach((p, traffic) -> s.append(String.format(
        "  partition %-3d           %,d messages, %,d predictions, %,d bytes%n",
        p, traffic.get("messages"), traffic.get("predictions"), traffic.get("bytes"))));
    if (reconciles()) {
      s.append("  counts reconcile: read = published + dead-lettered"
          + (rowsSkipped + predictionsSkipped() > 0 ? " + skipped" : ""));
    } else {
      s.append(String.format("  COUNTS DO NOT RECONCILE: footers %,d, read %,d, skipped rows %,d,"
              + " published + dead-lettered + skipped predictions %,d",
          expectedRows, rowsRead(), rowsSkipped, predictions() + deadLettered() + predictionsSkipped()));
    }
    return s.toString();
  }
}
