package io.predictionrelay.model;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Distribution;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * The one vocabulary of a run's metrics: the DoFns and the producer count under these names, and
 * the summary, the report and the progress line read them back, so no name is spelt twice. All live
 * in one namespace, whichever class counts them.
 */
public final class RunMetrics {
  private RunMetrics() {}

  public static final String NAMESPACE = "prediction-relay";

  /**
   * Rows handed over by the Parquet reader, once per split: a fact per split ({@link #splitFact}),
   * however many times a runner ran it.
   */
  public static final String ROWS_READ = "rows_read";
  /** Splits read whole, every successful attempt counted: more than the splits when some were read again. */
  public static final String SPLIT_READS = "split_reads";
  /** Rows read, every successful attempt of a split counted. */
  public static final String ROWS_READ_ALL_ATTEMPTS = "rows_read_all_attempts";
  /** What separates a fact's name from its split: {@code rows_read.split_17}. */
  public static final String SPLIT_FACT = ".split_";
  /** Messages, predictions and value bytes in committed bundles of the sink. */
  public static final String MESSAGES = "messages_published";
  public static final String PREDICTIONS = "predictions_published";
  public static final String BYTES = "bytes_published";
  public static final String PREDICTIONS_PER_MESSAGE = "predictions_per_message";
  /** Predictions a resumed run did not send again (their bucket had arrived whole); a fact per split. */
  public static final String PREDICTIONS_SKIPPED = "predictions_skipped";
  /**
   * An incremental run comparing rewritten files by id: rows now equal to their base rows (not
   * published), base rows compared (never published), and ids new, changed and deleted.
   */
  public static final String PREDICTIONS_UNCHANGED = "predictions_unchanged";
  public static final String BASE_ROWS_COMPARED = "base_rows_compared";
  public static final String IDS_NEW = "ids_new";
  public static final String IDS_CHANGED = "ids_changed";
  public static final String IDS_DELETED = "ids_deleted";
  /**
   * An incremental run reading a Delta table's change data feed: update pre-images read and left
   * aside (a fact per split), rows of the feed superseded by a later change of their id, and delete
   * rows that are their id's latest change (the id is listed as deleted).
   */
  public static final String UPDATE_PREIMAGES = "update_preimages";
  public static final String CHANGES_SUPERSEDED = "changes_superseded";
  public static final String CHANGE_DELETES = "change_deletes";
  /** Rows whose id an earlier row of the same bucket already had (bucketed grouping). */
  public static final String REPEATED_IDS = "repeated_ids";
  public static final String BUCKET_ROWS = "bucket_rows";
  public static final String FULL_MESSAGES = "full_messages";
  /** Buckets per size bin, counter {@code bucket_rows_bin_<k>} for sizes in [1.02^k, 1.02^(k+1)). */
  public static final String BUCKET_ROWS_BIN = "bucket_rows_bin_";

  /** What is counted per Kafka partition, from the producer's acknowledgements. */
  public enum PartitionTraffic {
    MESSAGES,
    PREDICTIONS,
    BYTES;

    public String counterName(int partition) {
      return "partition_" + partition + "_" + name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Rows set aside for one reason: {@code dead_letters_<REASON>}. */
  public static String deadLetters(DeadLetter.Reason reason) {
    return "dead_letters_" + reason.name();
  }

  public static String bucketRowsBin(int bin) {
    return BUCKET_ROWS_BIN + bin;
  }

  /** Bins grow by 2%, so quantiles read from the bins are within 2%. */
  private static final double BIN_GROWTH = 1.02;

  /** The bin of a bucket size. */
  public static int binOf(long rows) {
    return (int) Math.floor(Math.log(rows) / Math.log(BIN_GROWTH) + 1e-9);
  }

  /** The smallest size in a bin. */
  public static long binStart(int bin) {
    return (long) Math.ceil(Math.pow(BIN_GROWTH, bin) - 1e-9);
  }

  public static Counter counter(String name) {
    return Metrics.counter(NAMESPACE, name);
  }

  /**
   * A fact about one split ({@code rows_read.split_17}): a gauge, so a split reported again by a
   * re-run task keeps one value (a gauge keeps its latest value), where a counter would add it again.
   * Read back summed over splits ({@code RunCounts}).
   */
  public static Gauge splitFact(String name, int split) {
    return Metrics.gauge(NAMESPACE, name + SPLIT_FACT + split);
  }

  public static Distribution distribution(String name) {
    return Metrics.distribution(NAMESPACE, name);
  }
}
