package io.predictionrelay.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.predictionrelay.model.MessageBatch;
import io.predictionrelay.model.MessageFormat;
import io.predictionrelay.model.Prediction;
import io.predictionrelay.model.PredictionCoder;
import io.predictionrelay.model.PredictionSchema;
import io.predictionrelay.testing.TestPipelines;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchInBundlesTest {
  private TestPipeline pipeline;

  @BeforeEach
  void createPipeline() {
    pipeline = TestPipelines.create();
  }

  @Test
  void everyRowOnceInMessagesWithinTheCaps() {
    List<Prediction> rows = new ArrayList<>();
    for (int i = 0; i < 95; i++) {
      rows.add(new Prediction("row-" + i, new double[] {i / 95.0}));
    }
    PAssert.that(
            pipeline
                .apply(Create.of(rows).withCoder(PredictionCoder.of()))
                .apply(BatchInBundles.of(MessageFormat.of(PredictionSchema.withClasses(1)), 10, 1_000_000)))
        .satisfies(check(rows.stream().map(Prediction::toString).collect(java.util.stream.Collectors.toCollection(HashSet::new))));
    pipeline.run().waitUntilFinish();
  }

  /** A check that captures only serializable values: the expected rows as text. */
  private static org.apache.beam.sdk.transforms.SerializableFunction<Iterable<MessageBatch>, Void> check(
      HashSet<String> expected) {
    return messages -> {
          Set<String> seen = new HashSet<>();
          Set<String> keys = new HashSet<>();
          int full = 0;
          for (MessageBatch m : messages) {
            assertTrue(m.predictions().size() >= 1 && m.predictions().size() <= 10, m.toString());
            assertTrue(keys.add(m.messageId()), "key twice: " + m.messageId());
            assertEquals(BatchInBundles.message(m.predictions()), m);
            full += m.predictions().size() == 10 ? 1 : 0;
            m.predictions().forEach(p -> assertTrue(seen.add(p.toString()), "twice: " + p));
          }
          assertEquals(expected, seen);
          assertTrue(full >= 1);
          return null;
        };
  }
}
