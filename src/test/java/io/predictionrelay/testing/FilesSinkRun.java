package io.predictionrelay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.predictionrelay.PublishPredictions;
import io.predictionrelay.options.PublishOptions;
import io.predictionrelay.run.RunPlan;
import io.predictionrelay.run.RunSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.testing.TestPipeline;

/**
 * A whole run on the Direct runner with the files sink standing in for Kafka, and what it published:
 * every prediction by id (an id published twice fails the run's caller).
 */
public record FilesSinkRun(RunPlan plan, RunSummary summary, Map<String, JsonNode> predictions) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static FilesSinkRun publish(Path work, String input, String... more) {
    Path out = work.resolve("out-" + System.nanoTime());
    List<String> args = new ArrayList<>(List.of("--input=" + input, "--sink=files",
        "--outputDir=" + out.resolve("messages"), "--deadLetterDir=" + out.resolve("dead"),
        "--reportDir=" + out.resolve("reports"), "--numBuckets=2"));
    args.addAll(List.of(more));
    PublishOptions options = PipelineOptionsFactory.fromArgs(args.toArray(String[]::new)).as(PublishOptions.class);
    RunPlan plan = RunPlan.plan(options);
    TestPipeline pipeline = TestPipelines.create(options);
    PublishPredictions.buildPipeline(pipeline, plan);
    PipelineResult result = pipeline.run();
    result.waitUntilFinish();
    Map<String, JsonNode> predictions = new TreeMap<>();
    try (Stream<Path> files = Files.list(out.resolve("messages"))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        for (String line : Files.readAllLines(file)) {
          for (JsonNode prediction : MAPPER.readTree(line).get("value")) {
            if (predictions.put(prediction.get(options.getIdColumn()).asText(), prediction) != null) {
              throw new AssertionError("published twice: " + prediction);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new FilesSinkRun(plan, RunSummary.of(result, plan), predictions);
  }
}
