package io.predictionrelay.testing;

import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.options.RunnerDefaults;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** Options for a run in an integration test, as the command line would make them. */
public final class Runs {
  private Runs() {}

  public static PublishOptions options(String... args) {
    PublishOptions options = PipelineOptionsFactory.fromArgs(args).as(PublishOptions.class);
    RunnerDefaults.apply(options, args);
    return options;
  }

  public static String[] concat(String[] first, String... more) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
