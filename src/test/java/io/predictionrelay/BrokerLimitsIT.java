package io.predictionrelay;

import static io.predictionrelay.testing.Runs.options;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.options.LaunchException;
import io.predictionrelay.run.RunSummary;
import io.predictionrelay.testing.KafkaBrokerExtension;
import io.predictionrelay.testing.VerifyTopicBuilder;
import io.predictionrelay.tools.GeneratePredictions;
import io.predictionrelay.verify.VerifyReport;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A broker that refuses large messages is caught at launch, naming the setting and the sizes. */
class BrokerLimitsIT {
  @RegisterExtension
  static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension(Map.of("message.max.bytes", "100000"));

  @TempDir Path dir;

  @Test
  void refusesACapTheBrokerWouldRejectAndRunsUnderIt() throws Exception {
    Path input = dir.resolve("input");
    GeneratePredictions.builder(input).rows(500).classes(30).files(1).build().run();
    String[] args = {"--input=" + input, "--bootstrapServers=" + KAFKA.bootstrapServers(), "--topic=limits",
        "--deadLetterDir=" + dir.resolve("dead"), "--runner=DirectRunner"};

    LaunchException e = assertThrows(LaunchException.class, () -> PublishPredictions.run(options(args)));
    for (String part : new String[] {"max.message.bytes", "message.max.bytes", "100000", "--maxMessageBytes=1000000"}) {
      assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should name " + part);
    }

    RunSummary summary = PublishPredictions.run(options(io.predictionrelay.testing.Runs.concat(args,
        "--maxMessageBytes=90000", "--maxPredictionsPerMessage=500")));
    assertTrue(summary.reconciles(), summary.toString());
    VerifyReport report = VerifyTopicBuilder.of(input.toString(), KAFKA.bootstrapServers(), "limits")
        .maxMessageBytes(90000).maxPredictionsPerMessage(500).build().verify();
    assertTrue(report.ok(), report.toString());
    assertTrue(report.messages() > 1 && report.messages() < 10, "the byte cap split 500 rows into a few messages: " + report);
  }
}
