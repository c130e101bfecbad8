package io.predictionrelay;

import io.predictionrelay.input.ChangeFeed;
import io.predictionrelay.kafka.KafkaClientConfig;
import io.predictionrelay.kafka.KafkaTopics;
import io.predictionrelay.kafka.ProducerSettings;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.OptionValues;
import io.predictionrelay.options.Grouping;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.options.Sink;
import io.predictionrelay.run.ChangesSince;
import io.predictionrelay.run.Preflight;
import io.predictionrelay.run.ProgressReporter;
import io.predictionrelay.run.RunIdentity;
import io.predictionrelay.run.RunPlan;
import io.predictionrelay.run.RunRecords;
import io.predictionrelay.run.RunReport;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.run.RunnerDefaults;
import io.predictionrelay.run.SparkFaults;
import io.predictionrelay.transforms.BatchInSplits;
import io.predictionrelay.transforms.BatchIntoMessages;
import io.predictionrelay.transforms.EncodeJson;
import io.predictionrelay.transforms.GroupChangeFeedIntoBuckets;
import io.predictionrelay.transforms.GroupChangesIntoBuckets;
import io.predictionrelay.transforms.GroupIntoBuckets;
import io.predictionrelay.transforms.PublishToKafka;
import io.predictionrelay.transforms.ReadSplits;
import io.predictionrelay.transforms.WriteMessageFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Publishes predictions from Parquet to Kafka: read → bucket → group → batch → encode → publish,
 * with rows that cannot be published set aside as dead letters as they are read. No global
 * ordering: each row's bucket comes from a hash of its id.
 *
 * <p>A run is {@link #prepare} (every launch check, then the topic created if missing),
 * {@link #buildMessages} and {@link #publish} (the graph; a test may put a step of its own between
 * the two), and {@link #execute} (run to the end, count, report).
 */
public final class PublishPredictions {
  private PublishPredictions() {}

  public static void main(String[] args) {
    PipelineOptionsFactory.register(PublishOptions.class);
    PublishOptions options;
    try {
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(PublishOptions.class);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + OptionValues.describe(e, args));
      System.exit(2);
      return;
    }
    RunnerDefaults.apply(options, args);
    RunPlan plan = null;
    try {
      plan = prepare(options);
      RunSummary summary = run(plan);
      System.out.println();
      System.out.println(summary);
      System.exit(summary.reconciles() ? 0 : 1);
    } catch (LaunchException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    } catch (RuntimeException e) {
      System.err.println("error: the pipeline failed, nothing is reported as published: "
          + rootCause(e, plan == null ? Map.of() : plan.producerConfig()));
      System.exit(1);
    }
  }

  /** The innermost cause, in one line; a worker's Kafka client may quote a setting, so secrets are masked. */
  private static String rootCause(Throwable e, Map<String, ?> producerConfig) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + ProducerSettings.redact(root.getMessage(), producerConfig);
  }

  /**
   * Checks the options, the broker and the input, then runs the pipeline to the end and returns
   * its counts. Throws {@link LaunchException} before anything is sent when a check fails.
   */
  public static RunSummary run(PublishOptions options) {
    return run(prepare(options));
  }

  /**
   * Runs a prepared plan: builds its pipeline and executes it. A resumed run that an earlier
   * attempt completed sends nothing, writes no record, and says so ({@link RunSummary#nothingToSend}).
   */
  public static RunSummary run(RunPlan plan) {
    if (plan.identity().resumed() && plan.identity().resume().completed()) {
      return RunSummary.nothingToSend(plan);
    }
    Pipeline pipeline = Pipeline.create(plan.options());
    publish(buildMessages(pipeline, plan), plan);
    return execute(pipeline, plan);
  }

  /**
   * Plans the run ({@link RunPlan#plan}: every launch check), masks the secrets of the options,
   * creates the topic if it is missing (and checks it may be written), and prints the effective
   * configuration.
   */
  public static RunPlan prepare(PublishOptions options) {
    RunPlan plan = RunPlan.plan(options);
    hideSecretsOfOptions(options);
    if (plan.topicMissing()) {
      plan = createTopic(plan);
    }
    if (plan.sink() == Sink.KAFKA) {
      createRunsTopic(plan);
    }
    System.out.println(plan.describe());
    return plan;
  }

  /** Creates the control topic of the run records if it is missing: one partition, so records keep their order. */
  static void createRunsTopic(RunPlan plan) {
    PublishOptions options = plan.options();
    String runsTopic = RunIdentity.runsTopic(options);
    try (KafkaTopics topics = Preflight.connect(options, plan.producerConfig())) {
      topics.ensureTopic(runsTopic, options.getCreateTopic(), 1, options.getReplicationFactor());
      topics.checkCanWrite(runsTopic);
    }
  }

  /**
   * Masks the secrets of {@code --producerConfig} in the options, once the plan holds them: Beam
   * serializes the options to every worker and shows them as display data, while the producer
   * configuration reaches the workers with its secrets inside the producer factory only. The options
   * cannot be planned again afterwards. What the command line said stays on it (ps, shell history,
   * the JVM's {@code sun.java.command}), hence the warning.
   */
  static void hideSecretsOfOptions(PublishOptions options) {
    List<String> secrets = ProducerSettings.secretKeys(options.getProducerConfig());
    if (secrets.isEmpty()) {
      return;
    }
    System.err.println("warning: --producerConfig holds " + String.join(", ", secrets)
        + ": a command line is seen by ps and kept in shell histories; give secrets in " + KafkaClientConfig.OPTION);
    options.setProducerConfig(ProducerSettings.masked(options.getProducerConfig()));
  }

  /**
   * Creates the plan's topic with {@code --partitions} and {@code --replicationFactor}, and checks
   * the user may write it.
   */
  static RunPlan createTopic(RunPlan plan) {
    PublishOptions options = plan.options();
    try (KafkaTopics topics = Preflight.connect(options, plan.producerConfig())) {
      topics.ensureTopic(options.getTopic(), true, options.getPartitions(), options.getReplicationFactor());
      // CREATE does not imply WRITE: a user may be allowed to make a topic it cannot fill.
      topics.checkCanWrite(options.getTopic());
      int partitions = topics.describeTopic(options.getTopic()).orElseThrow(() -> new LaunchException(
          "--topic " + options.getTopic() + " was created but cannot be described"));
      int limit = topics.checkAccepts(options.getTopic(), options.getMaxMessageBytes());
      return plan.withTopic(new Preflight.Topic(options.getTopic(), partitions, limit));
    }
  }

  /**
   * The graph up to the encoded messages, ready to publish; tests call it on a TestPipeline. Both
   * groupings read with {@link ReadSplits}, which hands them the rows as it reads them: packed per
   * bucket for {@link GroupIntoBuckets}, cut per split for {@link BatchInSplits}.
   */
  public static PCollection<EncodedMessage> buildMessages(Pipeline pipeline, RunPlan plan) {
    PublishOptions options = plan.options();
    PCollection<MessageBatch> batches;
    if (plan.changes().isPresent()) {
      batches = buildChanges(pipeline, plan);
    } else if (plan.grouping() == Grouping.BUCKET) {
      GroupIntoBuckets group = GroupIntoBuckets.of(plan.buckets());
      if (plan.identity().resumed()) {
        // The buckets that arrived whole are dropped as they are read, before the shuffle.
        group = group.skipping(plan.identity().resume().completeGroups());
      }
      batches = PBegin.in(pipeline)
          .apply("ReadSplits", readSplits(plan, group.packing()))
          .apply("GroupIntoBuckets", group)
          .apply("BatchIntoMessages",
              BatchIntoMessages.of(plan.format(), options.getMaxPredictionsPerMessage(), options.getMaxMessageBytes()));
    } else {
      ReadSplits<MessageBatch> read = readSplits(plan,
          BatchInSplits.of(plan.format(), options.getMaxPredictionsPerMessage(), options.getMaxMessageBytes()));
      batches = PBegin.in(pipeline).apply("ReadSplits", plan.identity().resumed()
          ? read.skippingSplits(plan.identity().resume().completeGroups())
          : read);
    }
    return batches.apply("EncodeJson", EncodeJson.of(plan.format()));
  }

  /** The plan's splits, read into what the grouping makes of their rows. */
  private static <T> ReadSplits<T> readSplits(RunPlan plan, ReadSplits.Rows<T> rows) {
    return ReadSplits.of(plan.input(), rows)
        .withFormat(plan.format())
        .withMaxMessageBytes(plan.options().getMaxMessageBytes())
        .withDeadLetterDir(plan.options().getDeadLetterDir());
  }

  /**
   * An incremental run's messages: each id's latest change from a Delta table's change data feed,
   * when it was on since the base; else the rows of the added files (compared by id with the removed
   * files' rows at the base snapshot, when files were rewritten). Bucketed and cut as a full run's,
   * under keys prefixed with the changes' token, {@code c<token>-<bucket>-<batch>}.
   */
  private static PCollection<MessageBatch> buildChanges(Pipeline pipeline, RunPlan plan) {
    PublishOptions options = plan.options();
    ChangesSince changes = plan.changes().orElseThrow();
    GroupIntoBuckets group = GroupIntoBuckets.of(plan.buckets());
    PCollection<KV<Integer, Iterable<Prediction>>> buckets;
    Optional<ChangeFeed> feed = changes.changes().changeFeed();
    if (feed.isPresent()) {
      // Nothing of the snapshot now is read: the commits' change data says what changed.
      GroupChangeFeedIntoBuckets latest = GroupChangeFeedIntoBuckets.of(plan.buckets(), feed.get().origins())
          .writingDeletedIdsTo(ChangesSince.deletedIdsDir(options, plan.identity().runId()));
      buckets = PBegin.in(pipeline)
          .apply("ReadChangeFeed", readSplits(plan, latest.packing()).readingSplits(feed.get().splits()))
          .apply("GroupChangeFeedIntoBuckets", latest);
    } else if (changes.changes().comparesById()) {
      PCollection<KV<Integer, List<Prediction>>> now = readChangedFiles(pipeline, plan, group);
      PCollection<KV<Integer, List<Prediction>>> base = PBegin.in(pipeline)
          .apply("ReadBaseSplits", readSplits(plan, group.packing()).readingSplits(changes.changes().baseSplits()));
      buckets = now.apply("GroupChangesIntoBuckets", GroupChangesIntoBuckets.comparingWith(base)
          .writingDeletedIdsTo(ChangesSince.deletedIdsDir(options, plan.identity().runId())));
    } else {
      buckets = readChangedFiles(pipeline, plan, group).apply("GroupIntoBuckets", group);
    }
    String prefix = ChangesSince.keyPrefix(plan);
    return buckets
        .apply("BatchIntoMessages",
            BatchIntoMessages.of(plan.format(), options.getMaxPredictionsPerMessage(), options.getMaxMessageBytes()))
        .apply("PrefixKeys", MapElements.into(TypeDescriptor.of(MessageBatch.class))
            .via((MessageBatch batch) -> batch.withIdPrefix(prefix)))
        .setCoder(MessageBatch.Coder.of());
  }

  /** The input's splits of files added since the base (those of unchanged files skipped), packed per bucket. */
  private static PCollection<KV<Integer, List<Prediction>>> readChangedFiles(Pipeline pipeline, RunPlan plan,
      GroupIntoBuckets group) {
    int[] unchanged = plan.changes().orElseThrow().changes().unchangedSplits();
    return PBegin.in(pipeline).apply("ReadSplits", readSplits(plan, group.packing()).skippingSplits(unchanged));
  }

  /** Sends the messages to the plan's sink: the Kafka topic, or files for a dry run. */
  public static void publish(PCollection<EncodedMessage> messages, RunPlan plan) {
    PublishOptions options = plan.options();
    if (plan.sink() == Sink.KAFKA) {
      messages.apply(
          "PublishToKafka",
          PublishToKafka.to(options.getTopic())
              .withBootstrapServers(options.getBootstrapServers())
              .withProducerConfig(plan.producerConfig())
              .withRunId(plan.identity().runId())
              .withHeaders(plan.changes().map(c -> Map.of(ChangesSince.RUN_KIND_HEADER, ChangesSince.KIND_CHANGES,
                  ChangesSince.SINCE_HEADER, c.baseRunId())).orElse(Map.of()))
              .withRateLimit(options.getMaxMessagesPerSecond() / plan.publishers(),
                  options.getMaxBytesPerSecond() / plan.publishers()));
    } else {
      messages.apply("WriteMessageFiles", WriteMessageFiles.to(options.getOutputDir()));
    }
  }

  /** {@link #buildMessages} then {@link #publish}. */
  public static void buildPipeline(Pipeline pipeline, RunPlan plan) {
    publish(buildMessages(pipeline, plan), plan);
  }

  /**
   * Runs a pipeline built from {@code plan} to the end; returns its counts and writes its report.
   * A run to Kafka writes a record to the control topic when it starts and when it ends.
   */
  public static RunSummary execute(Pipeline pipeline, RunPlan plan) {
    PublishOptions options = plan.options();
    long start = System.nanoTime();
    Instant startedAt = Instant.now();
    RunRecords records = RunRecords.of(plan, startedAt);
    records.started();
    RunSummary summary;
    try (RunRecords.Heartbeat lease = records.heartbeat(RunIdentity.HEARTBEAT)) {
      summary = runToTheEnd(pipeline, plan);
    } catch (RuntimeException e) {
      records.failed(e);
      throw e;
    }
    records.completed(summary);
    double seconds = (System.nanoTime() - start) / 1e9;
    try {
      Path report = RunReport.write(
          Path.of(options.getReportDir()), RunReport.toMap(plan, summary, seconds), summary);
      System.out.println("report:       " + report);
    } catch (IOException e) {
      System.err.println(
          "warning: no run report could be written under " + options.getReportDir() + ": " + e);
    }
    return summary;
  }

  private static RunSummary runToTheEnd(Pipeline pipeline, RunPlan plan) {
    PublishOptions options = plan.options();
    JavaSparkContext spark = RunnerDefaults.isSparkRunner(options)
        ? RunnerDefaults.startSparkContext(options, plan.sparkSettings())
        : null;
    SparkFaults faults = spark == null ? null : SparkFaults.watch(spark);
    OptionalLong offsetsBefore = endOffsetSum(plan);
    RunSummary summary;
    try {
      PipelineResult result = pipeline.run();
      if (spark != null && spark.sc().uiWebUrl().isDefined()) {
        System.out.println("spark UI:     " + spark.sc().uiWebUrl().get()
            + " (Beam's metrics: the Beam.Metrics accumulator, Stages tab)");
      }
      ProgressReporter progress = ProgressReporter.onConsole(plan.rowsToRead()).watch(result, 10_000);
      try {
        result.waitUntilFinish();
      } finally {
        progress.close();
      }
      summary = RunSummary.of(result, plan);
      OptionalLong offsetsAfter = offsetsBefore.isPresent() ? endOffsetSum(plan) : OptionalLong.empty();
      if (offsetsAfter.isPresent()) {
        summary = summary.withRecordsAppended(offsetsAfter.getAsLong() - offsetsBefore.getAsLong());
      }
      progress.finish(summary);
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
    // Read once the context stopped: its listener bus has delivered every event by then.
    return faults == null ? summary : summary.withSparkFaults(faults.counts());
  }

  /**
   * The records the topic holds so far (its end offsets summed), to tell afterwards how many records
   * the run added; empty for the files sink, or when the broker does not say (then nothing is reported).
   */
  private static OptionalLong endOffsetSum(RunPlan plan) {
    if (plan.sink() != Sink.KAFKA) {
      return OptionalLong.empty();
    }
    try (KafkaTopics topics = Preflight.connect(plan.options(), plan.producerConfig())) {
      return OptionalLong.of(topics.endOffsetSum(plan.options().getTopic()));
    } catch (RuntimeException unknown) {
      System.err.println("warning: the end offsets of " + plan.options().getTopic() + " could not be read ("
          + unknown.getMessage() + "): messages sent again are not reported");
      return OptionalLong.empty();
    }
  }
}
