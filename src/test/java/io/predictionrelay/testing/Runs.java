package io.predictionrelay.testing;

import io.predictionrelay.PublishPredictions;
import io.predictionrelay.model.EncodedMessage;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.run.RunPlan;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.run.RunnerDefaults;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;

/** Options for a run in an integration test, as the command line would make them, and runs with a test step. */
public final class Runs {
  private Runs() {}

  public static PublishOptions options(String... args) {
    PublishOptions options = PipelineOptionsFactory.fromArgs(args).as(PublishOptions.class);
    RunnerDefaults.apply(options, args);
    return options;
  }

  /**
   * A whole run, as {@link PublishPredictions#run} makes it, with {@code step} between building the
   * messages and publishing them: how tests inject worker faults and hold publishing back.
   */
  public static RunSummary runWith(
      PublishOptions options,
      PTransform<PCollection<EncodedMessage>, PCollection<EncodedMessage>> step) {
    RunPlan plan = PublishPredictions.prepare(options);
    Pipeline pipeline = Pipeline.create(options);
    PublishPredictions.publish(PublishPredictions.buildMessages(pipeline, plan).apply("TestStep", step), plan);
    return PublishPredictions.execute(pipeline, plan);
  }

  public static String[] concat(String[] first, String... more) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
