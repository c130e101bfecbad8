package io.predictionrelay.run;

import io.predictionrelay.input.ParquetInput;
import io.predictionrelay.kafka.ProducerSettings;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.options.Grouping;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.MessageOptions;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.options.Sink;
import io.predictionrelay.transforms.GroupIntoBuckets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a run will do, settled and checked before the pipeline is built: the options, the topic as
 * the broker describes it, the input as the Parquet footers describe it, the message format, the
 * bucket count, the producer configuration, who the run is and the runner's settings. An immutable
 * value: {@link #plan} checks the options alone, then {@link Preflight} checks what lies outside
 * the run, and {@link #of} computes the plan from the two. Every problem is a
 * {@link LaunchException} naming the option, file or column, and nothing is written anywhere while
 * planning.
 */
public final class RunPlan {
  /** The default rows per bucket is this many times the count cap: about 99.5% full messages. */
  static final int ROWS_PER_BUCKET_PER_MESSAGE = 200;

  private final PublishOptions options;
  private final Sink sink;
  private final Grouping grouping;
  private final ParquetInput input;
  private final MessageFormat format;
  private final int buckets;
  private final Map<String, Object> producerConfig;
  private final Preflight.Topic topic; // null: the sink is files, or the topic is still to be created
  private final Map<String, String> sparkSettings;
  private final RunIdentity identity;
  private final ChangesSince changes; // null: a full run

  private RunPlan(PublishOptions options, Sink sink, Grouping grouping, ParquetInput input,
      MessageFormat format, int buckets, Map<String, Object> producerConfig, Preflight.Topic topic,
      Map<String, String> sparkSettings, RunIdentity identity, ChangesSince changes) {
    this.options = options;
    this.sink = sink;
    this.grouping = grouping;
    this.input = input;
    this.format = format;
    this.buckets = buckets;
    this.producerConfig = Map.copyOf(producerConfig);
    this.topic = topic;
    this.sparkSettings = Map.copyOf(sparkSettings);
    this.identity = identity;
    this.changes = changes;
  }

  /**
   * Checks the options alone, then what lies outside the run ({@link Preflight#check}: Kafka, the
   * file systems, the input, the run records of a resumed run), and settles the rest
   * ({@link #of}). Reads only.
   */
  public static RunPlan plan(PublishOptions options) {
    return of(options, Preflight.check(options, checkOptions(options).sink()));
  }

  /**
   * The plan from the options and what the pre-flight checks found: the message format, the bucket
   * count, who the run is, the runner's settings. Talks to nothing.
   */
  public static RunPlan of(PublishOptions options, Preflight found) {
    Checked checked = checkOptions(options);
    ParquetInput input = found.input();
    MessageFormat format = MessageOptions.format(options, input.schema());
    int smallest = new PredictionJson(format).smallestMessageSize();
    if (options.getMaxMessageBytes() < smallest) {
      throw new LaunchException(
          "--maxMessageBytes=" + options.getMaxMessageBytes() + " is below the smallest possible"
              + " message of this schema (" + smallest + " bytes for one prediction)");
    }
    int rowsPerBucket =
        options.getRowsPerBucket() > 0
            ? options.getRowsPerBucket()
            : ROWS_PER_BUCKET_PER_MESSAGE * options.getMaxPredictionsPerMessage();
    int buckets =
        options.getNumBuckets() > 0
            ? options.getNumBuckets()
            : GroupIntoBuckets.bucketsFor(found.changes() == null ? input.totalRows()
                : found.changes().changes().candidateRows(), rowsPerBucket);
    String fingerprint = RunIdentity.fingerprint(input, options, checked.grouping(), buckets, format);
    if (found.changes() != null) {
      fingerprint = RunIdentity.withChanges(fingerprint, found.changes().changes().token());
    }
    RunIdentity identity = options.getResume() == null
        ? RunIdentity.newRun(fingerprint)
        : RunIdentity.resume(options, checked.sink(), checked.grouping(), found.earlier(), input, fingerprint);
    RunPlan plan = new RunPlan(options, checked.sink(), checked.grouping(), input, format, buckets,
        found.producerConfig(), null, RunnerDefaults.sparkSettings(options, input.totalRows()), identity,
        found.changes());
    return found.topic() == null ? plan : plan.withTopic(found.topic());
  }

  /** The options that need nothing else to be checked. */
  private record Checked(Sink sink, Grouping grouping) {}

  private static Checked checkOptions(PublishOptions options) {
    Sink sink = options.getSink();
    Grouping grouping = options.getGrouping();
    MessageOptions.check(options);
    if (options.getMaxMessagesPerSecond() < 0 || options.getMaxBytesPerSecond() < 0) {
      throw new LaunchException("--maxMessagesPerSecond and --maxBytesPerSecond must be 0 (no limit) or positive");
    }
    if (options.getPublishers() < 0) {
      throw new LaunchException("--publishers=" + options.getPublishers() + ": must be 0 (derive) or positive");
    }
    if (options.getNumBuckets() < 0) {
      throw new LaunchException("--numBuckets=" + options.getNumBuckets() + ": must be 0 (derive) or positive");
    }
    if (options.getRowsPerBucket() < 0) {
      throw new LaunchException(
          "--rowsPerBucket=" + options.getRowsPerBucket() + ": must be 0 (default) or positive");
    }
    return new Checked(sink, grouping);
  }

  /**
   * The plan once the topic is known: the producer's batches fitted to the topic's limit (a larger
   * batch the broker refuses is split by the producer into batches just as large, KAFKA-8350).
   */
  public RunPlan withTopic(Preflight.Topic topic) {
    Map<String, Object> fitted = new LinkedHashMap<>(producerConfig);
    ProducerSettings.fitBatchesTo(fitted, topic.maxMessageBytes());
    return new RunPlan(options, sink, grouping, input, format, buckets, fitted, topic, sparkSettings, identity,
        changes);
  }

  /** True when the run publishes to a topic that does not exist yet (and may be created). */
  public boolean topicMissing() {
    return sink == Sink.KAFKA && topic == null;
  }

  public PublishOptions options() {
    return options;
  }

  public Sink sink() {
    return sink;
  }

  public Grouping grouping() {
    return grouping;
  }

  public ParquetInput input() {
    return input;
  }

  /** The format of every message. */
  public MessageFormat format() {
    return format;
  }

  public int buckets() {
    return buckets;
  }

  /** The topic, once it exists; empty for the files sink. */
  public Optional<Preflight.Topic> topic() {
    return Optional.ofNullable(topic);
  }

  /** The topic's partition count (0 for the files sink). */
  public int topicPartitions() {
    return topic == null ? 0 : topic.partitions();
  }

  public Map<String, Object> producerConfig() {
    return producerConfig;
  }

  /**
   * Writers that can publish at once, among which {@code --maxMessagesPerSecond} and
   * {@code --maxBytesPerSecond} are shared out: {@code --publishers}, or as the runner tells.
   */
  public int publishers() {
    return options.getPublishers() > 0
        ? options.getPublishers()
        : RunnerDefaults.concurrentWriters(options, sparkSettings);
  }

  /** The run's id and fingerprint, and what a resumed run skips. */
  public RunIdentity identity() {
    return identity;
  }

  /**
   * The rows the run reads: the input's, or an incremental run's added files' and, to compare, its
   * base snapshot's rewritten files', or the files of its change data feed.
   */
  public long rowsToRead() {
    return changes == null ? input.totalRows()
        : changes.changes().rowsToRead() + changes.changes().rowsReadBesidesInput();
  }

  /** What an incremental run ({@code --changesSince}) starts from and reads; empty for a full run. */
  public Optional<ChangesSince> changes() {
    return Optional.ofNullable(changes);
  }

  /** The Spark settings derived for this run (empty when not on Spark); given settings win. */
  public Map<String, String> sparkSettings() {
    return sparkSettings;
  }

  /** The effective configuration, printed once at start; secrets masked. */
  public String describe() {
    StringBuilder s = new StringBuilder();
    s.append("input:        ").append(input.files().size()).append(" file(s) matching ")
        .append(options.getInput()).append(", ").append(input.totalRows()).append(" rows in ")
        .append(input.splits().size()).append(" row groups, ")
        .append(input.schema().classCount()).append(" class columns\n");
    if (!input.snapshot().isEmpty()) {
      s.append("snapshot:     ").append(input.snapshot()).append('\n');
    }
    if (input.deletedRows() > 0) {
      s.append("deleted:      ").append(input.deletedRows())
          .append(" rows of the files are deleted by the table (deletion vectors, delete files): not read\n");
    }
    if (changes != null) {
      s.append(changes.describe()).append('\n');
    }
    s.append("columns:      ").append(input.schema().summary()).append('\n');
    if (!input.ignoredColumns().isEmpty()) {
      s.append("ignored:      columns ").append(input.ignoredColumns()).append(" are not published\n");
    }
    if (!input.absentColumns().isEmpty()) {
      s.append("absent:       ");
      input.absentColumns().forEach((column, files) -> s.append(column).append(" from ").append(files)
          .append(" of ").append(input.files().size()).append(" files, "));
      s.append("read as null there (files older than the column)\n");
    }
    s.append("runner:       ").append(options.getRunner().getSimpleName());
    if (RunnerDefaults.isSparkRunner(options)) {
      s.append(", ").append(RunnerDefaults.sparkPartitions(sparkSettings))
          .append(" Spark partitions (spark.default.parallelism)");
    }
    s.append('\n');
    if (grouping == Grouping.BUCKET) {
      s.append("buckets:      ").append(buckets).append(" (about ")
          .append(rowsToRead() / Math.max(1, buckets)).append(" rows each)\n");
    } else {
      s.append("grouping:     consecutive rows of each row group, no shuffle\n");
    }
    s.append("messages:     at most ").append(options.getMaxPredictionsPerMessage())
        .append(" predictions and ").append(options.getMaxMessageBytes()).append(" bytes, ")
        .append(format).append('\n');
    if (sink == Sink.KAFKA) {
      s.append("kafka:        topic ").append(options.getTopic()).append(" (").append(topicPartitions())
          .append(" partitions) at ").append(options.getBootstrapServers()).append('\n');
      s.append("producer:     ").append(ProducerSettings.describe(producerConfig)).append('\n');
    } else {
      s.append("files:        ").append(options.getOutputDir()).append('\n');
    }
    s.append("dead letters: ").append(options.getDeadLetterDir()).append('\n');
    if (options.getMaxMessagesPerSecond() > 0 || options.getMaxBytesPerSecond() > 0) {
      s.append("throttle:     ")
          .append(options.getMaxMessagesPerSecond() > 0 ? options.getMaxMessagesPerSecond() + " messages/s " : "")
          .append(options.getMaxBytesPerSecond() > 0 ? options.getMaxBytesPerSecond() + " bytes/s " : "")
          .append("in all, shared by ").append(publishers()).append(" writers\n");
    }
    s.append("run:          ").append(identity.runId()).append(" (input fingerprint ")
        .append(identity.fingerprint()).append(')');
    if (sink == Sink.KAFKA) {
      s.append(", run records on ").append(RunIdentity.runsTopic(options));
    }
    if (identity.resumed() && identity.resume().completed()) {
      s.append("\nresume:       attempt ").append(identity.attempt()).append(": the run completed at ")
          .append(identity.resume().completedAt()).append(", nothing to send");
    } else if (identity.resumed()) {
      RunIdentity.Resume resume = identity.resume();
      s.append("\nresume:       attempt ").append(identity.attempt()).append(", ")
          .append(resume.completeGroups().length).append(' ')
          .append(grouping == Grouping.BUCKET ? "buckets" : "row groups").append(" arrived whole and are skipped")
          .append(resume.rowsSkipped() > 0 ? " (" + resume.rowsSkipped() + " rows not read)" : "")
          .append("; ").append(resume.partialGroups()).append(" arrived in part and are sent again whole (")
          .append(resume.messagesToResend()).append(" of their messages already there will arrive twice)");
    }
    return s.toString();
  }
}
