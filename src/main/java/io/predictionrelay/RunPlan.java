package io.predictionrelay;

import io.predictionrelay.io.KafkaTopics;
import io.predictionrelay.io.ParquetInput;
import io.predictionrelay.io.ProducerSettings;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.PredictionJson;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.options.RunnerDefaults;
import io.predictionrelay.transforms.AssignBucket;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * What a run will do, settled and checked before the pipeline is built: the options, the input as
 * the Parquet footers describe it, the message format, the bucket count and the producer
 * configuration. Every problem is a {@link LaunchException} naming the option, file or column.
 */
public final class RunPlan {
  /** How rows are grouped into messages. */
  public enum Grouping {
    BUCKET,
    BUNDLE
  }

  /** Where messages go. */
  public enum Sink {
    KAFKA,
    FILES
  }

  /** The default rows per bucket is this many times the count cap: about 99.5% full messages. */
  static final int ROWS_PER_BUCKET_PER_MESSAGE = 200;

  private final PublishOptions options;
  private final Sink sink;
  private final Grouping grouping;
  private final MessageFormat.Layout layout;
  private final Map<String, Object> producerConfig;
  private ParquetInput input;
  private MessageFormat format;
  private int buckets;
  private int topicPartitions;
  private int sparkPartitions;

  private RunPlan(
      PublishOptions options,
      Sink sink,
      Grouping grouping,
      MessageFormat.Layout layout,
      Map<String, Object> producerConfig) {
    this.options = options;
    this.sink = sink;
    this.grouping = grouping;
    this.layout = layout;
    this.producerConfig = producerConfig;
  }

  /** Checks the options alone, with no I/O. */
  public static RunPlan checkOptions(PublishOptions options) {
    Sink sink;
    try {
      sink = Sink.valueOf(options.getSink().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new LaunchException("--sink=" + options.getSink() + ": expected 'kafka' or 'files'");
    }
    Grouping grouping;
    try {
      grouping = Grouping.valueOf(options.getGrouping().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new LaunchException("--grouping=" + options.getGrouping() + ": expected 'bucket' or 'bundle'");
    }
    MessageFormat.Layout layout;
    try {
      layout = MessageFormat.Layout.parse(options.getLayout());
      MessageFormat.checkDoublePrecision(options.getDoublePrecision());
    } catch (IllegalArgumentException e) {
      throw new LaunchException(e.getMessage());
    }
    requirePositive("maxPredictionsPerMessage", options.getMaxPredictionsPerMessage());
    requirePositive("maxMessageBytes", options.getMaxMessageBytes());
    if (options.getNumBuckets() < 0) {
      throw new LaunchException("--numBuckets=" + options.getNumBuckets() + ": must be 0 (derive) or positive");
    }
    if (options.getRowsPerBucket() < 0) {
      throw new LaunchException(
          "--rowsPerBucket=" + options.getRowsPerBucket() + ": must be 0 (default) or positive");
    }
    Map<String, Object> producerConfig = Map.of();
    if (sink == Sink.KAFKA) {
      if (options.getTopic() == null || options.getTopic().isBlank()) {
        throw new LaunchException("--topic is empty");
      }
      ProducerSettings.checkBootstrapServers(options.getBootstrapServers());
      producerConfig =
          ProducerSettings.resolve(options.getProducerConfig(), options.getMaxMessageBytes());
    }
    return new RunPlan(options, sink, grouping, layout, producerConfig);
  }

  /**
   * For the Kafka sink: checks the cluster answers, creates the topic if it is missing and allowed,
   * and checks it accepts messages this large; fits the producer's batches to the topic's limit.
   */
  public RunPlan checkBroker() {
    if (sink != Sink.KAFKA) {
      return this;
    }
    try (KafkaTopics topics =
        KafkaTopics.connect(
            options.getBootstrapServers(),
            producerConfig,
            Duration.ofSeconds(options.getBrokerTimeoutSeconds()))) {
      topics.ensureTopic(
          options.getTopic(),
          options.getCreateTopic(),
          options.getPartitions(),
          options.getReplicationFactor());
      topicPartitions = topics.describeTopic(options.getTopic()).orElse(0);
      int limit = topics.checkAccepts(options.getTopic(), options.getMaxMessageBytes());
      ProducerSettings.fitBatchesTo(producerConfig, limit);
    }
    return this;
  }

  /** Reads the footers of the input and settles the bucket count. */
  public RunPlan describeInput() {
    input = ParquetInput.describe(options.getInput());
    format =
        MessageFormat.of(input.schema())
            .withLayout(layout)
            .withDoublePrecision(options.getDoublePrecision());
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
    buckets =
        options.getNumBuckets() > 0
            ? options.getNumBuckets()
            : AssignBucket.bucketsFor(input.totalRows(), rowsPerBucket);
    sparkPartitions = RunnerDefaults.applySparkParallelism(options, input.totalRows());
    return this;
  }

  private static void requirePositive(String option, int value) {
    if (value <= 0) {
      throw new LaunchException("--" + option + "=" + value + ": must be positive");
    }
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

  /** The format of every message, once {@link #describeInput()} has read the columns. */
  public MessageFormat format() {
    return format;
  }

  public int buckets() {
    return buckets;
  }

  /** The topic's partition count, once {@link #checkBroker()} has seen it (else 0). */
  public int topicPartitions() {
    return topicPartitions;
  }

  public Map<String, Object> producerConfig() {
    return producerConfig;
  }

  /** The effective configuration, printed once at start; secrets masked. */
  public String describe() {
    StringBuilder s = new StringBuilder();
    s.append("input:        ").append(input.files().size()).append(" file(s) matching ")
        .append(options.getInput()).append(", ").append(input.totalRows()).append(" rows, ")
        .append(input.schema().classCount()).append(" class columns\n");
    if (!input.ignoredColumns().isEmpty()) {
      s.append("ignored:      columns ").append(input.ignoredColumns()).append(" are not published\n");
    }
    s.append("runner:       ").append(options.getRunner().getSimpleName());
    if (sparkPartitions > 0) {
      s.append(", ").append(sparkPartitions).append(" Spark partitions (spark.default.parallelism)");
    }
    s.append('\n');
    if (grouping == Grouping.BUCKET) {
      s.append("buckets:      ").append(buckets).append(" (about ")
          .append(input.totalRows() / Math.max(1, buckets)).append(" rows each)\n");
    } else {
      s.append("grouping:     consecutive rows of each input split, no shuffle\n");
    }
    s.append("messages:     at most ").append(options.getMaxPredictionsPerMessage())
        .append(" predictions and ").append(options.getMaxMessageBytes()).append(" bytes, ")
        .append(format).append('\n');
    if (sink == Sink.KAFKA) {
      s.append("kafka:        topic ").append(options.getTopic()).append(" (").append(topicPartitions)
          .append(" partitions) at ")
          .append(options.getBootstrapServers()).append('\n');
      s.append("producer:     ").append(ProducerSettings.describe(producerConfig)).append('\n');
    } else {
      s.append("files:        ").append(options.getOutputDir()).append('\n');
    }
    s.append("dead letters: ").append(options.getDeadLetterDir());
    return s.toString();
  }

}
