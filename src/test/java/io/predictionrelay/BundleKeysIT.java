package io.predictionrelay;

import static io.predictionrelay.testing.Runs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.run.RunSummary;
import io.predictionrelay.tools.GeneratePredictions;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A million rows in the shuffle-free grouping on Spark: every message has a key of its own, so a
 * consumer that drops repeated keys loses nothing. (Two classes keep the written files small.)
 */
class BundleKeysIT {
  private static final int ROWS = 1_000_000;
  @TempDir Path dir;

  @Test
  void everyMessageOfAMillionRowRunHasAKeyOfItsOwn() throws Exception {
    Path input = dir.resolve("input");
    GeneratePredictions.builder(input).rows(ROWS).classes(2).files(4).seed(21).build().run();
    RunSummary summary = PublishPredictions.run(options(
        "--input=" + input, "--sink=files", "--outputDir=" + dir.resolve("out"), "--grouping=bundle",
        "--deadLetterDir=" + dir.resolve("dead"), "--reportDir=" + dir.resolve("reports"),
        "--runner=SparkRunner", "--sparkMaster=local[2]"));
    assertTrue(summary.reconciles(), summary.toString());
    assertEquals(ROWS, summary.predictions());

    Set<String> keys = new HashSet<>();
    long messages = 0;
    long predictions = 0;
    try (Stream<Path> files = Files.list(dir.resolve("out"))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
        try (BufferedReader lines = Files.newBufferedReader(file)) {
          for (String line; (line = lines.readLine()) != null; messages++) {
            // {"key":"s3-17","predictions":10,"value":[…]}
            int end = line.indexOf('"', 8);
            String key = line.substring(8, end);
            assertTrue(key.matches("s\\d+-\\d+"), line.substring(0, Math.min(80, line.length())));
            assertTrue(keys.add(key), "two messages under key " + key);
            int count = line.indexOf(",\"predictions\":") + ",\"predictions\":".length();
            predictions += Integer.parseInt(line.substring(count, line.indexOf(',', count)));
          }
        }
      }
    }
    assertEquals(summary.messages(), messages);
    assertEquals(ROWS, predictions);
    // Full messages but the last of each row group.
    assertTrue(messages >= ROWS / 10 && messages <= ROWS / 10 + 1_000, "messages " + messages);
  }
}
