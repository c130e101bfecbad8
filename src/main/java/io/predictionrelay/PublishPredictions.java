package io.predictionrelay;

import io.predictionrelay.io.KafkaTopics;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.options.RunnerDefaults;
import io.predictionrelay.transforms.AssignBucket;
import io.predictionrelay.transforms.BatchInSplits;
import io.predictionrelay.transforms.BatchIntoMessages;
import io.predictionrelay.transforms.EncodeJson;
import io.predictionrelay.transforms.PublishToKafka;
import io.predictionrelay.transforms.ReadPredictions;
import io.predictionrelay.transforms.WriteMessageFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
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
      System.err.println("error: " + e.getMessage().lines().findFirst().orElse(""));
      System.exit(2);
      return;
    }
    RunnerDefaults.apply(options, args);
    try {
      RunSummary summary = run(options);
      System.out.println();
      System.out.println(summary);
      System.exit(summary.reconciles() ? 0 : 1);
    } catch (LaunchException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    } catch (RuntimeException e) {
      System.err.println("error: the pipeline failed, nothing is reported as published: " + rootCause(e));
      System.exit(1);
    }
  }

  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  /**
   * Checks the options, the broker and the input, then runs the pipeline to the end and returns
   * its counts. Throws {@link LaunchException} before anything is sent when a check fails.
   */
  public static RunSummary run(PublishOptions options) {
    RunPlan plan = prepare(options);
    Pipeline pipeline = Pipeline.create(options);
    publish(buildMessages(pipeline, plan), plan);
    return execute(pipeline, plan);
  }

  /**
   * Plans the run ({@link RunPlan#plan}: every launch check), creates the topic if it is missing,
   * and prints the effective configuration.
   */
  public static RunPlan prepare(PublishOptions options) {
    RunPlan plan = RunPlan.plan(options);
    if (plan.topicMissing()) {
      plan = createTopic(plan);
    }
    System.out.println(plan.describe());
    return plan;
  }

  /** Creates the plan's topic with {@code --partitions} and {@code --replicationFactor}. */
  static RunPlan createTopic(RunPlan plan) {
    PublishOptions options = plan.options();
    try (KafkaTopics topics = RunPlan.connect(options, plan.producerConfig())) {
      topics.ensureTopic(options.getTopic(), true, options.getPartitions(), options.getReplicationFactor());
      int partitions = topics.describeTopic(options.getTopic()).orElseThrow(() -> new LaunchException(
          "--topic " + options.getTopic() + " was created but cannot be described"));
      int limit = topics.checkAccepts(options.getTopic(), options.getMaxMessageBytes());
      return plan.withTopic(new RunPlan.Topic(options.getTopic(), partitions, limit));
    }
  }

  /** The graph up to the encoded messages, ready to publish; tests call it on a TestPipeline. */
  public static PCollection<EncodedMessage> buildMessages(Pipeline pipeline, RunPlan plan) {
    PublishOptions options = plan.options();
    ReadPredictions read =
        ReadPredictions.from(plan.input())
            .withFormat(plan.format())
            .withMaxMessageBytes(options.getMaxMessageBytes())
            .withDeadLetterDir(options.getDeadLetterDir());
    PCollection<MessageBatch> batches =
        plan.grouping() == RunPlan.Grouping.BUCKET
            ? pipeline
                .apply("ReadPredictions", read)
                .apply("AssignBucket", AssignBucket.into(plan.buckets()))
                .apply("GroupByBucket", GroupByKey.<Integer, Prediction>create())
                .apply(
                    "BatchIntoMessages",
                    BatchIntoMessages.of(plan.format())
                        .withMaxPredictions(options.getMaxPredictionsPerMessage())
                        .withMaxBytes(options.getMaxMessageBytes()))
            : PBegin.in(pipeline)
                .apply(
                    "BatchInSplits",
                    BatchInSplits.of(read)
                        .withMaxPredictions(options.getMaxPredictionsPerMessage())
                        .withMaxBytes(options.getMaxMessageBytes()));
    return batches.apply("EncodeJson", EncodeJson.of(plan.format()));
  }

  /** Sends the messages to the plan's sink: the Kafka topic, or files for a dry run. */
  public static void publish(PCollection<EncodedMessage> messages, RunPlan plan) {
    PublishOptions options = plan.options();
    if (plan.sink() == RunPlan.Sink.KAFKA) {
      messages.apply(
          "PublishToKafka",
          PublishToKafka.to(options.getTopic())
              .withBootstrapServers(options.getBootstrapServers())
              .withProducerConfig(plan.producerConfig()));
    } else {
      messages.apply("WriteMessageFiles", WriteMessageFiles.to(options.getOutputDir()));
    }
  }

  /** {@link #buildMessages} then {@link #publish}. */
  public static void buildPipeline(Pipeline pipeline, RunPlan plan) {
    publish(buildMessages(pipeline, plan), plan);
  }

  /** Runs a pipeline built from {@code plan} to the end; returns its counts and writes its report. */
  public static RunSummary execute(Pipeline pipeline, RunPlan plan) {
    PublishOptions options = plan.options();
    long start = System.nanoTime();
    JavaSparkContext spark = RunnerDefaults.isSparkRunner(options)
        ? RunnerDefaults.startSparkContext(options, plan.sparkSettings())
        : null;
    RunSummary summary;
    try {
      PipelineResult result = pipeline.run();
      if (spark != null && spark.sc().uiWebUrl().isDefined()) {
        System.out.println("spark UI:     " + spark.sc().uiWebUrl().get()
            + " (Beam's metrics: the Beam.Metrics accumulator, Stages tab)");
      }
      ProgressReporter progress = ProgressReporter.onConsole(plan.input().totalRows()).watch(result, 10_000);
      try {
        result.waitUntilFinish();
      } finally {
        progress.close();
      }
      summary = RunSummary.of(result, plan.input().totalRows(), plan.topicPartitions());
      progress.finish(summary);
    } finally {
      if (spark != null) {
        spark.stop();
      }
    }
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
}
