package io.predictionrelay;

import io.predictionrelay.io.FileSystemSetup;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.options.LaunchException;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.options.RunnerDefaults;
import io.predictionrelay.transforms.AssignBucket;
import io.predictionrelay.transforms.BatchInBundles;
import io.predictionrelay.transforms.BatchIntoMessages;
import io.predictionrelay.transforms.EncodeJson;
import io.predictionrelay.transforms.PublishToKafka;
import io.predictionrelay.transforms.ReadPredictions;
import io.predictionrelay.transforms.WriteMessageFiles;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;

/**
 * Publishes predictions from Parquet to Kafka: read → bucket → group → batch → encode → publish,
 * with rows that cannot be published set aside as dead letters as they are read. No global
 * ordering: each row's bucket comes from a hash of its id.
 */
public final class PublishPredictions {
  private PublishPredictions() {}

  /** A transform between encoding and publishing; for tests only. */
  abstract static class MessageHook
      extends PTransform<PCollection<EncodedMessage>, PCollection<EncodedMessage>> {}

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
    return run(options, null);
  }

  /** {@link #run(PublishOptions)} with a test hook before publishing; see {@link MessageHook}. */
  static RunSummary run(PublishOptions options, MessageHook beforePublish) {
    RunPlan plan = RunPlan.checkOptions(options);
    // Before file systems are registered: they are registered from these options (on workers too).
    try {
      FileSystemSetup.configure(options, options.getInput(), options.getDeadLetterDir(), options.getOutputDir());
    } catch (IllegalArgumentException e) {
      throw new LaunchException(e.getMessage(), e);
    }
    FileSystems.setDefaultPipelineOptions(options);
    plan.checkBroker();
    plan.describeInput();
    System.out.println(plan.describe());

    long start = System.nanoTime();
    Pipeline pipeline = Pipeline.create(options);
    buildPipeline(pipeline, plan, beforePublish);
    PipelineResult result = pipeline.run();
    RunnerDefaults.sparkUi().ifPresent(ui -> System.out.println(
        "spark UI:     " + ui + " (Beam's metrics: the Beam.Metrics accumulator, Stages tab)"));
    try (ProgressReporter progress = ProgressReporter.start(result, plan.input().totalRows(), 10)) {
      result.waitUntilFinish();
    }
    RunSummary summary = RunSummary.of(result, plan.input().totalRows());
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

  /** Wires the stages; tests call it on a TestPipeline. */
  public static void buildPipeline(Pipeline pipeline, RunPlan plan) {
    buildPipeline(pipeline, plan, null);
  }

  /**
   * {@link #buildPipeline(Pipeline, RunPlan)} with {@code beforePublish} (if not null) applied to the
   * encoded messages: the hook tests use to inject worker faults and delays.
   */
  static void buildPipeline(Pipeline pipeline, RunPlan plan, MessageHook beforePublish) {
    PublishOptions options = plan.options();
    PCollection<Prediction> predictions =
        pipeline.apply(
            "ReadPredictions",
            ReadPredictions.from(plan.input())
                .withFormat(plan.format())
                .withMaxMessageBytes(options.getMaxMessageBytes())
                .withDeadLetterDir(options.getDeadLetterDir()));

    PCollection<MessageBatch> batches =
        plan.grouping() == RunPlan.Grouping.BUCKET
            ? predictions
                .apply("AssignBucket", AssignBucket.into(plan.buckets()))
                .apply("GroupByBucket", GroupByKey.<Integer, Prediction>create())
                .apply(
                    "BatchIntoMessages",
                    BatchIntoMessages.of(plan.format())
                        .withMaxPredictions(options.getMaxPredictionsPerMessage())
                        .withMaxBytes(options.getMaxMessageBytes()))
            : predictions.apply(
                "BatchInBundles",
                BatchInBundles.of(
                    plan.format(),
                    options.getMaxPredictionsPerMessage(),
                    options.getMaxMessageBytes()));
    PCollection<EncodedMessage> messages =
        batches.apply("EncodeJson", EncodeJson.of(plan.format()));
    if (beforePublish != null) {
      messages = messages.apply("TestHook", beforePublish);
    }

    if (plan.sink() == RunPlan.Sink.KAFKA) {
      messages.apply(
          "PublishToKafka",
          PublishToKafka.to(options.getTopic())
              .withBootstrapServers(options.getBootstrapServers())
              .withProducerConfig(plan.producerConfig())
              .withPartitionCount(plan.topicPartitions()));
    } else {
      messages.apply("WriteMessageFiles", WriteMessageFiles.to(options.getOutputDir()));
    }
  }
}
