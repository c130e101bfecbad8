package io.predictionrelay;

import static io.predictionrelay.testing.Runs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.verify.VerifyReport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The same pipeline, unchanged, on Beam's Flink runner with Flink's embedded local cluster. Runs under -Pflink. */
class FlinkIT {
  private static final int ROWS = 20_000;

  @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
  @TempDir Path dir;

  @Test
  void flinkRunnerPublishesEveryPrediction() throws Exception {
    Path input = dir.resolve("input");
    GeneratePredictions.builder(input).rows(ROWS).classes(30).files(2).seed(21).build().run();
    RunSummary summary = PublishPredictions.run(options(
        "--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=2",
        "--input=" + input, "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=flink",
        "--deadLetterDir=" + dir.resolve("dead"), "--reportDir=" + dir.resolve("reports")));
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS, summary.predictions());
    VerifyReport report = VerifyTopicBuilder.of(input.toString(), KAFKA.bootstrapServers(), "flink").build().verify();
    assertTrue(report.ok(), report.toString());
    assertEquals(ROWS, report.received());
    assertEquals(0, report.duplicatedPredictions());
  }
}
